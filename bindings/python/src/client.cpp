// creditmeter.Client (client.hpp).

#include "client.hpp"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <utility>

#include "callbacks.hpp"
#include "checked_self.hpp"
#include "context_manager.hpp"
#include "conversions.hpp"
#include "interpreter_exit.hpp"

namespace creditmeter_python {

using std::chrono::milliseconds;

ClientRef::~ClientRef() {
  if (!ptr) return;
  if (PyGILState_Check() && !g_exiting.load()) {
    py::gil_scoped_release nogil;
    ptr.reset();
  } else {
    ptr.reset();
  }
}

PyClient::PyClient(const std::string& base_url, const std::string& api_secret, const py::object& journal_dir,
                   const std::string& ca_file, const std::string& pinned_public_key, const std::string& proxy,
                   bool allow_insecure_http, double shutdown_timeout, double connect_timeout,
                   double request_timeout, double idle_after, const py::object& log, const std::string& log_level,
                   const py::object& token_provider, std::optional<double> max_credits,
                   double min_heartbeat_interval) {
  cm::ClientOptions o;
  o.base_url = base_url;
  o.api_secret = api_secret;
  if (!journal_dir.is_none()) {
    o.journal_dir = py::str(py::module_::import("os").attr("fspath")(journal_dir)).cast<std::string>();
  }
  o.ca_file = ca_file;
  o.pinned_public_key = pinned_public_key;
  o.proxy = proxy;
  o.allow_insecure_http = allow_insecure_http;
  o.shutdown_timeout = milliseconds(to_ms(shutdown_timeout, "shutdown_timeout"));
  o.connect_timeout = milliseconds(to_ms(connect_timeout, "connect_timeout"));
  o.request_timeout = milliseconds(to_ms(request_timeout, "request_timeout"));
  o.idle_after = milliseconds(to_ms(idle_after, "idle_after"));
  o.min_heartbeat_interval = milliseconds(to_ms(min_heartbeat_interval, "min_heartbeat_interval"));
  if (!log.is_none() && !PyCallable_Check(log.ptr())) throw py::type_error("log: expected a callable or None");
  o.log = make_log_callback(log);
  o.log_level = parse_level(log_level);
  o.max_credits = max_credits;
  if (!token_provider.is_none()) {
    if (!PyCallable_Check(token_provider.ptr())) throw py::type_error("token_provider: expected a callable or None");
    o.token_provider = make_token_provider(token_provider);
  }
  std::shared_ptr<cm::Client> client;
  {
    py::gil_scoped_release nogil;  // the constructor may recover journals and log
    client = std::make_shared<cm::Client>(std::move(o));
  }
  client_ = std::move(client);
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  g_clients.push_back(this);
}

PyClient::~PyClient() {
  std::shared_ptr<cm::Client> last;
  {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    g_clients.erase(std::remove(g_clients.begin(), g_clients.end(), this), g_clients.end());
    last = std::move(client_);
  }
  ClientRef ref{std::move(last)};  // shuts down with the GIL released
}

ClientRef PyClient::get() const {
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  if (!client_) throw cm::Error("this creditmeter.Client is closed");
  return ClientRef{client_};
}

bool PyClient::closed() const {
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  return !client_;
}

void PyClient::close() {
  std::shared_ptr<cm::Client> last;
  {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    last = std::move(client_);
  }
  if (!last) return;
  {
    py::gil_scoped_release nogil;
    last->close();
  }
  ClientRef ref{std::move(last)};
}

SessionHolder PyClient::start_session(const std::string& model, const std::string& surface, bool audio_only,
                                      py::object on_state_change, const std::string& session_id,
                                      py::object on_balance, py::object on_low_balance, double low_balance_minutes,
                                      std::optional<double> low_balance_credits, std::optional<double> max_credits,
                                      py::object on_event_rejected, const CallStop* stop) {
  cm::SessionOptions so;
  so.on_event_rejected = make_event_rejected_callback(std::move(on_event_rejected), "on_event_rejected");
  so.on_balance = make_balance_callback(std::move(on_balance), "on_balance");
  so.on_low_balance = make_balance_callback(std::move(on_low_balance), "on_low_balance");
  so.low_balance_minutes = low_balance_minutes;
  so.low_balance_credits = low_balance_credits;
  so.max_credits = max_credits;
  so.model = model;
  so.surface = surface;
  so.audio_only = audio_only;
  so.session_id = session_id;
  if (!on_state_change.is_none()) {
    if (!PyCallable_Check(on_state_change.ptr())) {
      throw py::type_error("on_state_change: expected a callable or None");
    }
    so.on_state_change = make_state_callback(std::move(on_state_change), "");
  }
  ClientRef c = get();
  std::shared_ptr<cm::Session> session = call_interruptibly(
      stop, [&](const cm::StopToken& token) { return c->start_session(std::move(so), token); });
  return std::make_unique<PySession>(std::move(session));
}

bool PyClient::flush(double timeout_s, const CallStop* stop) {
  const std::int64_t ms = to_ms(timeout_s, "flush(): timeout", /*allow_infinite=*/true);
  const milliseconds timeout = ms < 0 ? milliseconds::max() : milliseconds(ms);  // inf: no limit
  ClientRef c = get();
  return call_interruptibly(stop, [&](const cm::StopToken& token) { return c->flush(timeout, token); });
}

cm::CreditSummary PyClient::credit_summary(const CallStop* stop) {
  ClientRef c = get();
  return call_interruptibly(stop, [&](const cm::StopToken& token) { return c->credit_summary(token); });
}

std::int64_t PyClient::estimate(const std::string& model, const std::string& surface, const CallStop* stop) {
  ClientRef c = get();
  return call_interruptibly(stop, [&](const cm::StopToken& token) { return c->estimate(model, surface, token); });
}

cm::ClientUsage PyClient::usage() {
  ClientRef c = get();
  py::gil_scoped_release nogil;
  return c->usage();
}

void PyClient::set_max_credits(std::optional<double> max_credits) {
  ClientRef c = get();
  py::gil_scoped_release nogil;
  c->set_max_credits(max_credits);
}

void init_client(py::module_& m) {
  auto client_class = py::class_<PyClient>(m, "Client",
                       "One Client per account and server. Makes no network call until start_session(). "
                       "A context manager: leaving the `with` block calls close().")
      .def(py::init<const std::string&, const std::string&, const py::object&, const std::string&,
                    const std::string&, const std::string&, bool, double, double, double, double,
                    const py::object&, const std::string&, const py::object&, std::optional<double>, double>(),
           py::arg("base_url") = "", py::arg("api_secret") = "", py::kw_only(),
           py::arg("journal_dir") = py::none(), py::arg("ca_file") = "", py::arg("pinned_public_key") = "",
           py::arg("proxy") = "", py::arg("allow_insecure_http") = false, py::arg("shutdown_timeout") = 2.0,
           py::arg("connect_timeout") = 5.0, py::arg("request_timeout") = 15.0, py::arg("idle_after") = 1.0,
           py::arg("log") = py::none(), py::arg("log_level") = "warning", py::arg("token_provider") = py::none(),
           py::arg("max_credits") = py::none(), py::arg("min_heartbeat_interval") = 1.0)
      .def("start_session", checked(&PyClient::start_session), py::arg("model") = "essence", py::arg("surface") = "cloud",
           py::arg("audio_only") = false, py::kw_only(), py::arg("on_state_change") = py::none(),
           py::arg("session_id") = "", py::arg("on_balance") = py::none(), py::arg("on_low_balance") = py::none(),
           py::arg("low_balance_minutes") = 5.0, py::arg("low_balance_credits") = py::none(),
           py::arg("max_credits") = py::none(), py::arg("on_event_rejected") = py::none(),
           py::arg("_stop") = py::none(),
           "The synchronous token exchange (releases the GIL; Ctrl-C and close() on another thread "
           "interrupt it). Raises AuthenticationError, "
           "InsufficientCredits, ConcurrencyLimitError, NetworkError, InvalidArgument or Interrupted. "
           "on_balance/on_low_balance take a BalanceUpdate; the low-balance threshold is "
           "low_balance_credits when given, else low_balance_minutes of runtime at the session's rate; "
           "max_credits caps the session's spending (see docs/CREDITS.md); on_event_rejected takes a "
           "RejectedEvent (see Session.on_event_rejected).")
      .def("flush", checked(&PyClient::flush), py::arg("timeout_s") = 5.0, py::kw_only(),
           py::arg("_stop") = py::none(),
           "Sends all unreported usage and waits up to timeout_s seconds (float, inf = no limit) for "
           "the acknowledgement. True when all was acknowledged. Releases the GIL; Ctrl-C interrupts it, "
           "close() on another thread ends it (False).")
      .def("credit_summary", checked(&PyClient::credit_summary), py::kw_only(), py::arg("_stop") = py::none(),
           "GET /v2/credit-summaries (releases the GIL; Ctrl-C and close() interrupt it: Interrupted).")
      .def("estimate", checked(&PyClient::estimate), py::arg("model") = "essence", py::arg("surface") = "cloud",
           py::kw_only(), py::arg("_stop") = py::none(),
           "Whole minutes the balance buys for model/surface: the server's figure when it sends one, else "
           "floor(balance / rate) of the rate card. Raises InvalidArgument for an unknown pair "
           "(releases the GIL; one server call).")
      .def("usage", checked(&PyClient::usage), "The sum of the stats of every session this client started (a ClientUsage).")
      .def("set_max_credits", checked(&PyClient::set_max_credits), py::arg("max_credits").none(true),
           "Sets (credits >= 0) or removes (None) the spending cap over all this client's sessions; "
           "raising or removing it resumes the sessions it held.")
      .def("close", checked(&PyClient::close),
           "Stops every session and delivers usage for at most shutdown_timeout, interrupting the calls "
           "of other threads in progress. Idempotent.")
      .def_property_readonly("closed", checked(&PyClient::closed));
  context_manager(client_class, &PyClient::close, "close()");
}

}  // namespace creditmeter_python
