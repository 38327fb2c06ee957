// SessionMachine and the OS's reachability hint (Client::network_changed): true sends every
// waiting request at once with a fresh backoff; false holds retries to the slow probe, the
// paused-offline cap min(5 s, interval), until the next true.

#include <catch2/catch.hpp>

#include "session_machine_rig.hpp"

using namespace cmtest;

TEST_CASE("network back: the waiting retry goes at once, its backoff starts over", "[unit][machine][network]") {
  Rig r(60s, 3600s);
  *r.random = 0.9999999;  // each delay at its ceiling
  r.at(60s, true);
  const Outgoing first = r.send();
  r.reply(status(503));
  r.elapse(500ms);
  r.reply(status(503));  // a second failure, for the backoff to have grown
  CHECK_FALSE(r.poll().has_value());
  r.m.network_changed(r.now, true);
  require_same_request(r.send(), first);  // no wait
  r.reply(status(503));
  r.elapse(998ms);
  CHECK_FALSE(r.poll().has_value());  // the first step of a fresh backoff: ~1 s
  r.elapse(1ms);
  require_same_request(r.send(), first);
}

TEST_CASE("network gone: retries wait for the slow probe until the network is back", "[unit][machine][network]") {
  Rig r(60s, 3600s);
  *r.random = 0.0;  // the backoff alone would retry at once
  r.at(60s, true);
  const Outgoing first = r.send();
  r.m.network_changed(r.now, false);
  r.reply(status(503));
  r.elapse(4999ms);
  CHECK_FALSE(r.poll().has_value());  // the probe is min(5 s, interval) = 5 s
  r.elapse(1ms);
  require_same_request(r.send(), first);
  r.reply(status(503));
  r.elapse(2s);
  CHECK_FALSE(r.poll().has_value());
  r.m.network_changed(r.now, true);  // the OS says it is back: no more waiting
  require_same_request(r.send(), first);
  r.reply(ok());
}

TEST_CASE("network gone pushes an already scheduled retry to the probe", "[unit][machine][network]") {
  Rig r(4s, 3600s);  // a short interval: the probe is min(5 s, 4 s) = 4 s
  *r.random = 0.0;
  r.at(4s, true);
  const Outgoing first = r.send();
  r.reply(status(503));  // retry due at once (jitter 0)
  r.m.network_changed(r.now, false);
  CHECK_FALSE(r.poll().has_value());
  r.elapse(4s);
  require_same_request(r.send(), first);
}

TEST_CASE("a Retry-After outranks the network hint", "[unit][machine][network]") {
  Rig r(60s, 3600s);
  r.at(60s, true);
  const Outgoing first = r.send();
  r.m.network_changed(r.now, false);
  r.reply(status(503, {}, 20s));
  r.elapse(19999ms);
  CHECK_FALSE(r.poll().has_value());
  r.elapse(1ms);
  require_same_request(r.send(), first);
}
