// The one list of a Client's sessions (src/session_registry.*): every session until its
// destructor, the kept ones until the scheduler is done, and the usage tally across both.

#include <catch2/catch.hpp>

#include "client_harness.hpp"
#include "fork_guard.hpp"
#include "logger.hpp"
#include "session_impl.hpp"
#include "session_registry.hpp"

using namespace creditmeter;
using namespace creditmeter::testing;
using namespace std::chrono_literals;

TEST_CASE("registry: usage() counts live sessions and those already gone, once each", "[unit][registry]") {
  Harness h;
  auto a = h.client->start_session();
  auto b = h.client->start_session();
  a->frame();
  h.clock->advance(400ms);
  a->frame();
  CHECK(h.client->usage().sessions == 2);
  CHECK(h.client->usage().active_ms == 400);
  b.reset();  // stopped; the scheduler keeps it until its release is acknowledged
  CHECK(h.client->usage().sessions == 2);
  a->stop();
  CHECK(h.client->usage().active_ms == 400);
}

TEST_CASE("registry: a kept session lives until finish(), then retires into the tally", "[unit][registry]") {
  detail::SessionRegistry registry;
  ManualClock clock;
  detail::Logger logger(nullptr, LogLevel::error, "");
  detail::SessionContext context;
  context.clock = &clock;
  context.registry = &registry;
  context.logger = &logger;
  context.fork_generation = detail::fork_generation();

  auto make = [&](const std::string& id) {
    return std::make_shared<detail::SessionImpl>(context, id, core::SessionMachine::audio_only(id, "essence", "cloud"),
                                                 /*metered=*/false, detail::SessionImpl::Callbacks{}, 1s);
  };
  auto kept = make("kept");
  auto plain = make("plain");
  registry.add(kept, /*keep=*/true);
  registry.add(plain, /*keep=*/false);
  const detail::SessionImpl* kept_ptr = kept.get();
  std::weak_ptr<detail::SessionImpl> weak = kept;
  CHECK(registry.all().size() == 2);
  CHECK(registry.kept().size() == 1);

  kept.reset();  // the user let go: the registry still holds it
  CHECK_FALSE(weak.expired());
  plain.reset();  // not kept: gone at once, into the tally
  CHECK(registry.all().size() == 1);
  CHECK(registry.usage().sessions == 2);

  auto last = registry.finish(kept_ptr);
  REQUIRE(last != nullptr);
  CHECK(registry.kept().empty());
  last.reset();  // retires now
  CHECK(weak.expired());
  CHECK(registry.all().empty());
  CHECK(registry.usage().sessions == 2);  // each counted once
  CHECK(registry.finish(kept_ptr) == nullptr);
}
