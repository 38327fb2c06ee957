#include "http_server.hpp"

#include <sys/socket.h>

#include <iostream>
#include <stdexcept>

#include "elastic_pool.hpp"
#include "fields.hpp"
#include "http_faults.hpp"
#include "ids.hpp"

namespace creditmeter::emulator {
namespace {

constexpr int kListenBacklog = 1024;

bool is_loopback(const std::string& address) {
  return address.rfind("127.", 0) == 0 || address == "::1" || address.rfind("::ffff:127.", 0) == 0;
}

std::string bearer_of(const httplib::Request& req) {
  const std::string header = req.get_header_value("Authorization");
  const std::string prefix = "Bearer ";
  if (header.size() <= prefix.size()) return "";
  // The scheme is case-insensitive (RFC 7235).
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(header[i])) != std::tolower(static_cast<unsigned char>(prefix[i]))) return "";
  }
  return header.substr(prefix.size());
}

// The session a request is about, as far as it can be told without trusting anything:
// the body's session_id, else the token's "sid". Only used to match fault rules.
std::string session_of(const nlohmann::json* body, const std::string& bearer) {
  if (body) {
    const auto it = body->find("session_id");
    if (it != body->end() && it->is_string()) return it->get<std::string>();
  }
  if (const auto claims = peek_claims(bearer)) return claims->session_id;
  return "";
}

nlohmann::json query_as_object(const httplib::Request& req) {
  nlohmann::json object = nlohmann::json::object();
  for (const auto& [key, value] : req.params) object[key] = value;
  return object;
}

std::unique_ptr<httplib::Server> make_http(const Options& options) {
  if (options.tls_cert.empty()) return std::make_unique<httplib::Server>();
  auto tls = std::make_unique<httplib::SSLServer>(options.tls_cert.c_str(), options.tls_key.c_str());
  if (!tls->is_valid()) {
    throw std::runtime_error("cannot load the TLS certificate/key " + options.tls_cert + " / " + options.tls_key);
  }
  return tls;
}

}  // namespace

void send_reply(httplib::Response& res, const Reply& reply) {
  res.status = reply.status;
  for (const auto& [name, value] : reply.headers) res.set_header(name, value);
  res.set_content(reply.body, "application/json");
}

EmulatorServer::EmulatorServer(Options options)
    : options_(std::move(options)), http_(make_http(options_)), ledger_(random_bytes(32)) {
  if (!options_.state_path.empty()) {
    store_ = std::make_unique<StateStore>(options_.state_path);
    replay_state();
  }
  seed_accounts();
  install_routes();
}

EmulatorServer::~EmulatorServer() { stop(); }  // waits for a stop() in progress elsewhere

void EmulatorServer::replay_state() {
  const auto loaded = store_->load();
  if (loaded.ledger) ledger_ = Ledger::from_json(*loaded.ledger);
  std::uint64_t seq = loaded.snapshot_seq;
  for (const auto& record : loaded.records) {
    ledger_.handle(call_from_record(record), record.at("now").get<UnixMillis>());
    seq = record.at("seq").get<std::uint64_t>();
  }
  // Fold the log into a fresh snapshot: the signing key of a new state is durable before
  // any token signed with it leaves.
  store_->write_snapshot(ledger_.to_json(), seq);
  store_->start(seq, [this] {
    std::unique_lock<std::mutex> lock(ledger_mutex_);
    Ledger copy = ledger_;  // copied under the lock, serialized outside it
    const std::uint64_t last = store_->last_seq();
    lock.unlock();
    return std::make_pair(copy.to_json(), last);
  });
}

void EmulatorServer::seed_accounts() {
  for (const auto& seed : options_.seed_accounts) {
    const auto balance = nlohmann::json::parse(seed.balance, nullptr, false);
    if (!balance.is_number()) throw std::runtime_error("--seed-account: BALANCE must be a number");
    Call call;
    call.op = Op::kCreateAccount;
    call.body = {{"api_secret", seed.api_secret}, {"plan", seed.plan}, {"balance", balance}, {"unit", seed.unit}};
    const Reply reply = process(call);
    if (reply.status != 201 && reply.status != 409) {
      throw std::runtime_error("--seed-account " + seed.api_secret.substr(0, 0) + seed.plan + ": " + reply.body);
    }
  }
}

Reply EmulatorServer::process(Call call) {
  if (call.op == Op::kExchangeToken) call.fresh_id = random_uuid();
  const UnixMillis now = wall_clock_ms();
  Reply reply;
  std::uint64_t seq = 0;
  {
    std::lock_guard<std::mutex> lock(ledger_mutex_);
    reply = ledger_.handle(call, now);
    if (reply.mutated && store_) seq = store_->append(call_to_record(call, now));
  }
  // Group commit: the answer leaves only once its record is durable.
  if (seq != 0 && !store_->wait_durable(seq)) {
    return error_reply(503, "STATE_NOT_DURABLE", "the emulator could not persist its state");
  }
  return reply;
}

void EmulatorServer::serve_api(const httplib::Request& req, httplib::Response& res, Op op,
                               const BodySource& read_body) {
  Call call;
  call.op = op;
  call.api_secret = req.get_header_value("api-secret");
  call.bearer = bearer_of(req);
  call.idempotency_key = req.get_header_value("Idempotency-Key");

  std::string text;
  int failure_status = 400;
  if (op == Op::kExchangeToken || op == Op::kCreditSummary) {
    // The api-secret is checked before the body is read or parsed.
    std::optional<Reply> refused;
    {
      std::lock_guard<std::mutex> lock(ledger_mutex_);
      refused = ledger_.check_api_secret(call.api_secret);
    }
    if (refused) {
      // Drain (and discard) the body only afterwards, so the keep-alive stream stays in step.
      if (!read_body(text, failure_status)) res.set_header("Connection", "close");
      send_reply(res, *refused);
      return;
    }
  }
  if (!read_body(text, failure_status)) {
    res.set_header("Connection", "close");
    send_reply(res, failure_status == 413
                        ? error_reply(413, "PAYLOAD_TOO_LARGE", "request bodies are limited to 64 KiB")
                        : error_reply(400, "INVALID_REQUEST", "the request body could not be read"));
    return;
  }
  Reply parse_error;
  const auto body = parse_body(text, parse_error);

  const std::uint64_t generation = faults_.generation();
  const auto fault = faults_.take(req.path, session_of(body ? &*body : nullptr, call.bearer));
  if (fault && !fault->apply && fault->mode != FaultMode::kSlow) {
    perform_fault(*fault, generation, nullptr, faults_, req, res);
    return;
  }
  Reply reply = parse_error;
  if (body) {
    call.body = *body;
    reply = process(std::move(call));
  }
  // `apply` spoils the answer of a request that was processed and charged (a lost
  // acknowledgement). A request the server refused for real (an expired token, a bad body)
  // gets its real answer: spoiling it into a 402 or a 403 KEY_REVOKED would tell the client
  // that usage was acknowledged which the ledger never recorded. `slow` sends any real answer.
  const bool spoil = fault && (fault->mode == FaultMode::kSlow || (reply.status >= 200 && reply.status < 300));
  if (spoil) {
    perform_fault(*fault, generation, &reply, faults_, req, res);
  } else {
    send_reply(res, reply);
  }
}

void EmulatorServer::serve_admin(const httplib::Request& req, httplib::Response& res, Op op,
                                 const BodySource& read_body) {
  std::string text;
  int failure_status = 400;
  const bool read = read_body(text, failure_status);
  if (!is_loopback(req.remote_addr)) {
    send_reply(res, error_reply(403, "ADMIN_FORBIDDEN", "the admin API answers loopback clients only"));
    return;
  }
  if (!read) {
    res.set_header("Connection", "close");
    send_reply(res, error_reply(failure_status, failure_status == 413 ? "PAYLOAD_TOO_LARGE" : "INVALID_REQUEST",
                                "the request body could not be read"));
    return;
  }
  Call call;
  call.op = op;
  if (req.method == "GET") {
    call.body = query_as_object(req);
  } else {
    Reply parse_error;
    const auto body = parse_body(text, parse_error);
    if (!body) return send_reply(res, parse_error);
    call.body = *body;
  }
  send_reply(res, process(std::move(call)));
}

void EmulatorServer::serve_faults(const httplib::Request& req, httplib::Response& res, const BodySource& read_body) {
  std::string text;
  int failure_status = 400;
  const bool read = read_body(text, failure_status);
  if (!is_loopback(req.remote_addr)) {
    return send_reply(res, error_reply(403, "ADMIN_FORBIDDEN", "the admin API answers loopback clients only"));
  }
  if (req.method == "DELETE") {
    faults_.clear();
    return send_reply(res, success_reply({{"cleared", true}}));
  }
  if (req.method == "GET") return send_reply(res, success_reply({{"faults", faults_.list()}}));
  if (!read) {
    return send_reply(res, error_reply(failure_status, "INVALID_REQUEST", "the request body could not be read"));
  }
  Reply error;
  const auto body = parse_body(text, error);
  if (!body) return send_reply(res, error);
  auto rule = parse_fault_rule(*body, error);
  if (!rule) return send_reply(res, error);
  rule->id = faults_.add(*rule);
  send_reply(res, success_reply(rule->to_json(), 201));
}

void EmulatorServer::install_routes() {
  using httplib::ContentReader;
  using httplib::Request;
  using httplib::Response;
  // cpp-httplib calls the ContentReader variant when a body is announced, the plain one
  // when not; both feed the same handler through a BodySource.
  const auto from_reader = [](const ContentReader& reader, Response& res) {
    return [&reader, &res](std::string& body, int& failure_status) {
      const bool ok = reader([&body](const char* data, std::size_t length) {
        body.append(data, length);
        return body.size() <= kMaxBodyBytes;
      });
      if (!ok) failure_status = body.size() > kMaxBodyBytes || res.status == 413 ? 413 : 400;
      return ok;
    };
  };
  const auto from_request = [](const Request& req) {
    return [&req](std::string& body, int&) {
      body = req.body;
      return true;
    };
  };
  const auto post = [&](const std::string& path, auto serve) {
    http_->Post(path, [serve, from_reader](const Request& req, Response& res, const ContentReader& reader) {
      serve(req, res, BodySource(from_reader(reader, res)));
    });
    http_->Post(path, [serve, from_request](const Request& req, Response& res) { serve(req, res, BodySource(from_request(req))); });
  };
  const auto api = [this](Op op) {
    return [this, op](const Request& req, Response& res, const BodySource& body) { serve_api(req, res, op, body); };
  };
  const auto admin = [this](Op op) {
    return [this, op](const Request& req, Response& res, const BodySource& body) { serve_admin(req, res, op, body); };
  };
  const auto faults = [this](const Request& req, Response& res, const BodySource& body) { serve_faults(req, res, body); };

  post("/v1/runtime-tokens/request", api(Op::kExchangeToken));
  post("/v1/runtime-tokens/heartbeat", api(Op::kHeartbeat));
  post("/v1/runtime-tokens/release", api(Op::kRelease));
  post("/v1/usage-events", api(Op::kUsageEvents));
  http_->Get("/v2/credit-summaries", [this, from_request](const Request& req, Response& res) {
    serve_api(req, res, Op::kCreditSummary, from_request(req));
  });
  post("/admin/accounts", admin(Op::kCreateAccount));
  post("/admin/accounts/topup", admin(Op::kTopup));
  post("/admin/accounts/revoke", admin(Op::kRevoke));
  post("/admin/config", admin(Op::kConfigure));
  post("/admin/prices", admin(Op::kPrices));
  post("/admin/faults", faults);
  const auto get = [&](const std::string& path, auto serve) {
    http_->Get(path, [serve, from_request](const Request& req, Response& res) { serve(req, res, BodySource(from_request(req))); });
  };
  get("/admin/accounts", admin(Op::kAccount));
  get("/admin/ledger", admin(Op::kLedger));
  get("/admin/config", admin(Op::kConfigure));
  get("/admin/prices", admin(Op::kPrices));
  get("/admin/faults", faults);
  http_->Delete("/admin/faults", [faults, from_request](const Request& req, Response& res) {
    faults(req, res, BodySource(from_request(req)));
  });

  // cpp-httplib calls the error handler for every status >= 400: fill in the envelope only
  // when no handler wrote a body (unknown paths, its own 413/414/400).
  http_->set_error_handler(httplib::Server::HandlerWithResponse([](const Request&, Response& res) {
    if (!res.body.empty() || res.content_length_ > 0) return httplib::Server::HandlerResponse::Unhandled;
    const std::string code = res.status == 404   ? "NOT_FOUND"
                             : res.status == 413 ? "PAYLOAD_TOO_LARGE"
                             : res.status == 414 ? "URI_TOO_LONG"
                                                 : "INVALID_REQUEST";
    send_reply(res, error_reply(res.status, code, res.status == 404 ? "no such endpoint" : "bad request"));
    return httplib::Server::HandlerResponse::Handled;
  }));
  http_->set_exception_handler([](const Request&, Response& res, std::exception_ptr error) {
    std::string what = "unexpected error";
    try {
      if (error) std::rethrow_exception(error);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    send_reply(res, error_reply(500, "INTERNAL_ERROR", what));
  });
  if (options_.verbosity == Verbosity::kVerbose) {
    http_->set_logger([](const Request& req, const Response& res) {
      std::cerr << "creditmeter-emulator: " << req.method << " " << req.path << " -> " << res.status << "\n";
    });
  }

  http_->set_tcp_nodelay(true);  // else ~27 ms of Nagle delay per keep-alive request
  http_->set_keep_alive_timeout(options_.keep_alive_s);
  // cpp-httplib closes a connection after 5 requests by default: clients reuse theirs.
  http_->set_keep_alive_max_count(1000000);
  http_->set_payload_max_length(kMaxBodyBytes);
  http_->set_read_timeout(10, 0);
  http_->set_write_timeout(10, 0);
  const std::size_t threads = options_.threads, max_threads = options_.max_threads;
  http_->new_task_queue = [threads, max_threads] { return new ElasticPool(threads, max_threads); };
  // Capture the listening socket: cpp-httplib listens with a backlog of 5, which drops
  // connections under load; bind() raises it.
  http_->set_socket_options([this](int fd) {
    int yes = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    listen_fd_ = fd;
  });
}

int EmulatorServer::bind() {
  int port = options_.port;
  if (port == 0) {
    port = http_->bind_to_any_port(options_.host);
    if (port <= 0) throw std::runtime_error("cannot listen on " + options_.host);
  } else if (!http_->bind_to_port(options_.host, port)) {
    throw std::runtime_error("cannot listen on " + options_.host + ":" + std::to_string(port));
  }
  if (listen_fd_ >= 0) ::listen(listen_fd_, kListenBacklog);
  return port;
}

void EmulatorServer::run() {
  // A stop() that came before listening started would be lost by cpp-httplib (its stop()
  // only acts on a running server): check first.
  if (!stopping_) http_->listen_after_bind();
  { std::lock_guard<std::mutex> wait_for_stop(stop_mutex_); }  // a stop() in progress has returned
  faults_.shutdown();
  if (store_) {
    store_->stop();
    std::lock_guard<std::mutex> lock(ledger_mutex_);
    store_->write_snapshot(ledger_.to_json(), store_->last_seq());
  }
}

void EmulatorServer::stop() {
  std::lock_guard<std::mutex> lock(stop_mutex_);
  if (stopping_.exchange(true)) return;
  faults_.shutdown();  // hung answers end now, so the workers can be joined
  http_->stop();
}

}  // namespace creditmeter::emulator
