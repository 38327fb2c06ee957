// creditmeter._native: the pybind11 shell over the C++ API. It holds no logic of its own
// beyond what Python needs: the GIL, callbacks that take it, exceptions, float seconds and a
// clean interpreter exit. The public package is `creditmeter` (see creditmeter/__init__.py).
//
// GIL rules (the reasoning behind them is in docs/PYTHON.md):
//  1. Every call that may take an SDK lock, wait or do I/O releases the GIL first. So no
//     thread ever holds the GIL while it waits for an SDK lock, and SDK threads may take the
//     GIL at any time (state-change callbacks, log messages, token provider) without deadlock.
//  2. frame() and may_render() take no lock and keep the GIL: they are an atomic store/load.
//  3. A Python callable held by C++ lives in a PyCallable whose destructor takes the GIL, so
//     std::function copies made by the SDK on its own threads never touch a refcount unlocked.
//  4. At interpreter exit (atexit, before finalisation) live sessions are stopped and clients
//     shut down with the GIL released; from then on no SDK thread enters Python again.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <creditmeter/creditmeter.hpp>

namespace py = pybind11;
namespace cm = creditmeter;
using std::chrono::milliseconds;

namespace {

// ------------------------------------------------------------------ entering Python safely

// Set by the atexit hook: from then on SDK threads never enter Python.
std::atomic<bool> g_exiting{false};
// SDK-thread entries into Python in progress; the atexit hook waits for them to drain.
std::atomic<int> g_inflight{0};
// True on the scheduler threads (set by the first state-change callback they run).
thread_local bool t_scheduler_thread = false;

bool interpreter_finalizing() {
#if PY_VERSION_HEX >= 0x030D0000
  return Py_IsFinalizing() != 0;
#else
  return _Py_IsFinalizing() != 0;
#endif
}

// Guards one entry of a non-Python thread into Python. `ok` is false once the interpreter
// is exiting: the caller must then not take the GIL (doing so during finalisation would end
// the thread with pthread_exit in the middle of C++ frames).
class PyEntry {
 public:
  PyEntry() {
    g_inflight.fetch_add(1);
    ok_ = !g_exiting.load() && Py_IsInitialized() && !interpreter_finalizing();
  }
  ~PyEntry() { g_inflight.fetch_sub(1); }
  PyEntry(const PyEntry&) = delete;
  PyEntry& operator=(const PyEntry&) = delete;
  bool ok() const { return ok_; }

 private:
  bool ok_ = false;
};

// A Python callable owned by C++ code. The SDK copies std::function objects freely on its
// own threads: they hold a shared_ptr<PyCallable> (copying it needs no GIL), and the last
// owner's destructor takes the GIL to drop the reference (or leaks it at exit).
struct PyCallable {
  explicit PyCallable(py::object f) : fn(std::move(f)) {}
  PyCallable(const PyCallable&) = delete;
  PyCallable& operator=(const PyCallable&) = delete;
  ~PyCallable() {
    if (PyGILState_Check()) {  // already under the GIL (a Python thread)
      fn = py::object();
      return;
    }
    PyEntry entry;
    if (!entry.ok()) {
      fn.release();  // the interpreter is going away: leaking beats crashing
      return;
    }
    py::gil_scoped_acquire gil;
    fn = py::object();
  }
  py::object fn;
};

void write_stderr(const std::string& line) {
  std::fprintf(stderr, "creditmeter: %s\n", line.c_str());
  std::fflush(stderr);
}

// Logs the Python exception `err` (from a user callback) through logging.getLogger
// ("creditmeter"); falls back to sys.unraisablehook. Under the GIL.
void log_callback_exception(py::error_already_set& err, const std::string& what) {
  try {
    py::object logger = py::module_::import("logging").attr("getLogger")("creditmeter");
    py::object trace = err.trace() ? py::reinterpret_borrow<py::object>(err.trace()) : py::none();
    py::tuple exc_info = py::make_tuple(err.type(), err.value(), trace);
    logger.attr("error")("%s raised an exception; the session goes on", what, py::arg("exc_info") = exc_info);
  } catch (py::error_already_set& again) {
    again.discard_as_unraisable(what.c_str());
    err.discard_as_unraisable(what.c_str());
  }
}

// ------------------------------------------------------------------ seconds and names

// Float seconds -> milliseconds. Negative or NaN is an InvalidArgument (a ValueError in
// Python); +inf is allowed only where `allow_infinite` (returns -1 then).
std::int64_t to_ms(double seconds, const char* name, bool allow_infinite = false) {
  if (std::isnan(seconds) || seconds < 0) {
    throw cm::InvalidArgument(std::string(name) + " must be a non-negative number of seconds");
  }
  if (std::isinf(seconds)) {
    if (allow_infinite) return -1;
    throw cm::InvalidArgument(std::string(name) + " must be a finite number of seconds");
  }
  const double ms = std::ceil(seconds * 1000.0);
  if (ms > 1e15) throw cm::InvalidArgument(std::string(name) + " is too large");
  return static_cast<std::int64_t>(ms);
}

cm::LogLevel parse_level(const std::string& name) {
  if (name == "debug") return cm::LogLevel::debug;
  if (name == "info") return cm::LogLevel::info;
  if (name == "warning") return cm::LogLevel::warning;
  if (name == "error") return cm::LogLevel::error;
  throw cm::InvalidArgument("log_level must be one of 'debug', 'info', 'warning', 'error', not '" + name + "'");
}

int python_level(cm::LogLevel level) {
  switch (level) {
    case cm::LogLevel::debug: return 10;
    case cm::LogLevel::info: return 20;
    case cm::LogLevel::warning: return 30;
    case cm::LogLevel::error: return 40;
  }
  return 40;
}

// ------------------------------------------------------------------ value types

struct PyStateChange {
  std::string from_state, to_state, reason, message;
};

struct PyStats {
  std::int64_t active_ms = 0, reported_ms = 0;
  double credits_charged = 0, balance = 0;
  std::uint64_t heartbeats_ok = 0, heartbeats_failed = 0;
  std::int64_t grace_remaining_ms = 0;
  double minutes_left = 0;
  std::uint64_t heartbeats_retried = 0;
  std::string last_error, last_error_reason = "none";
};

PyStats to_py(const cm::SessionStats& s) {
  PyStats p;
  p.active_ms = s.active_ms;
  p.reported_ms = s.reported_ms;
  p.credits_charged = s.credits_charged;
  p.balance = s.balance;
  p.heartbeats_ok = s.heartbeats_ok;
  p.heartbeats_failed = s.heartbeats_failed;
  p.grace_remaining_ms = s.grace_remaining_ms;
  p.minutes_left = s.minutes_left;
  p.heartbeats_retried = s.heartbeats_retried;
  p.last_error = s.last_error;
  p.last_error_reason = cm::to_string(s.last_error_reason);
  return p;
}

// ------------------------------------------------------------------ callbacks

cm::StateChangeCallback make_state_callback(py::object fn, std::string session_label) {
  auto holder = std::make_shared<PyCallable>(std::move(fn));
  return [holder, session_label](const cm::StateChange& change) {
    t_scheduler_thread = true;
    PyEntry entry;
    if (!entry.ok()) return;
    py::gil_scoped_acquire gil;
    try {
      PyStateChange c{cm::to_string(change.from), cm::to_string(change.to), cm::to_string(change.reason),
                      change.message};
      holder->fn(std::move(c));
    } catch (py::error_already_set& err) {
      log_callback_exception(err, "the state-change callback" + session_label);
    } catch (const std::exception& e) {
      write_stderr("state-change callback" + session_label + " failed: " + e.what());
    }
  };
}

// on_balance / on_low_balance: like the state-change callback (scheduler thread, takes the
// GIL, exceptions logged), called with a BalanceUpdate.
cm::BalanceCallback make_balance_callback(py::object fn, std::string what) {
  if (fn.is_none()) return nullptr;
  if (!PyCallable_Check(fn.ptr())) throw py::type_error(what + ": expected a callable or None");
  auto holder = std::make_shared<PyCallable>(std::move(fn));
  return [holder, what](const cm::BalanceUpdate& update) {
    t_scheduler_thread = true;
    PyEntry entry;
    if (!entry.ok()) return;
    py::gil_scoped_acquire gil;
    try {
      holder->fn(update);
    } catch (py::error_already_set& err) {
      log_callback_exception(err, "the " + what + " callback");
    } catch (const std::exception& e) {
      write_stderr(what + " callback failed: " + e.what());
    }
  };
}

cm::LogCallback make_log_callback(py::object fn) {
  std::shared_ptr<PyCallable> holder;
  if (!fn.is_none()) holder = std::make_shared<PyCallable>(std::move(fn));
  return [holder](cm::LogLevel level, const std::string& message) {
    PyEntry entry;
    if (!entry.ok()) {
      if (level >= cm::LogLevel::warning) write_stderr(message);
      return;
    }
    py::gil_scoped_acquire gil;
    try {
      if (holder) {
        holder->fn(cm::to_string(level), message);
      } else {
        py::module_::import("logging").attr("getLogger")("creditmeter").attr("log")(python_level(level), "%s",
                                                                                   message);
      }
    } catch (py::error_already_set& err) {
      err.discard_as_unraisable("creditmeter log callback");
    }
  };
}

cm::TokenProvider make_token_provider(py::object fn) {
  auto holder = std::make_shared<PyCallable>(std::move(fn));
  return [holder](const std::string& session_id) -> std::string {
    PyEntry entry;
    if (!entry.ok()) throw std::runtime_error("token_provider: the Python interpreter is exiting");
    py::gil_scoped_acquire gil;
    try {
      py::object answer = holder->fn(session_id);
      if (py::isinstance<py::bytes>(answer)) return answer.cast<std::string>();
      if (py::isinstance<py::str>(answer)) return answer.cast<std::string>();
      // A dict (already parsed JSON): serialise it.
      return py::module_::import("json").attr("dumps")(answer).cast<std::string>();
    } catch (py::error_already_set& err) {
      std::string what = err.what();
      throw std::runtime_error("token_provider raised: " + what);
    }
  };
}

// ------------------------------------------------------------------ the live-object registry

class PyClient;
class PySession;

std::mutex g_registry_mutex;
std::map<PySession*, std::weak_ptr<cm::Session>> g_sessions;
std::vector<PyClient*> g_clients;

// ------------------------------------------------------------------ Session

class PySession {
 public:
  explicit PySession(std::shared_ptr<cm::Session> session)
      : session_(std::move(session)), raw_(session_.get()), id_(raw_->id()) {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    g_sessions[this] = session_;
  }
  ~PySession() {
    {
      std::lock_guard<std::mutex> lock(g_registry_mutex);
      g_sessions.erase(this);
    }
    // ~Session waits for a running callback of this session, which may need the GIL.
    if (PyGILState_Check() && !g_exiting.load()) {
      py::gil_scoped_release nogil;
      session_.reset();
    } else {
      session_.reset();
    }
  }
  PySession(const PySession&) = delete;
  PySession& operator=(const PySession&) = delete;

  const std::string& id() const { return id_; }
  void frame() noexcept { raw_->frame(); }
  bool may_render() const noexcept { return raw_->may_render(); }

  void pause() {
    py::gil_scoped_release nogil;
    raw_->pause();
  }
  void resume() {
    py::gil_scoped_release nogil;
    raw_->resume();
  }
  void stop() {
    py::gil_scoped_release nogil;
    raw_->stop();
  }
  std::string state() const {
    cm::SessionState s;
    {
      py::gil_scoped_release nogil;
      s = raw_->state();
    }
    return cm::to_string(s);
  }
  std::string reason() const {
    cm::Reason r;
    {
      py::gil_scoped_release nogil;
      r = raw_->reason();
    }
    return cm::to_string(r);
  }
  PyStats stats() const {
    cm::SessionStats s;
    {
      py::gil_scoped_release nogil;
      s = raw_->stats();
    }
    return to_py(s);
  }
  void on_state_change(py::object fn) {
    cm::StateChangeCallback cb;
    if (!fn.is_none()) {
      if (!PyCallable_Check(fn.ptr())) throw py::type_error("on_state_change: expected a callable or None");
      cb = make_state_callback(std::move(fn), " of session " + id_);
    }
    py::gil_scoped_release nogil;
    raw_->on_state_change(std::move(cb));  // the old callback's last owner takes the GIL itself
  }
  void on_balance(py::object fn) {
    cm::BalanceCallback cb = make_balance_callback(std::move(fn), "on_balance of session " + id_);
    py::gil_scoped_release nogil;
    raw_->on_balance(std::move(cb));
  }
  void on_low_balance(py::object fn) {
    cm::BalanceCallback cb = make_balance_callback(std::move(fn), "on_low_balance of session " + id_);
    py::gil_scoped_release nogil;
    raw_->on_low_balance(std::move(cb));
  }
  void set_max_credits(std::optional<double> max_credits) {
    py::gil_scoped_release nogil;
    raw_->set_max_credits(max_credits);
  }

 private:
  std::shared_ptr<cm::Session> session_;
  cm::Session* raw_;
  std::string id_;
};

// ------------------------------------------------------------------ Client

// A strong reference to the C++ Client for the length of one call. If it turns out to be
// the last one (close() ran meanwhile), ~Client runs here with the GIL released.
struct ClientRef {
  std::shared_ptr<cm::Client> ptr;
  ~ClientRef() {
    if (!ptr) return;
    if (PyGILState_Check() && !g_exiting.load()) {
      py::gil_scoped_release nogil;
      ptr.reset();
    } else {
      ptr.reset();
    }
  }
  cm::Client* operator->() const { return ptr.get(); }
};

class PyClient {
 public:
  PyClient(const std::string& base_url, const std::string& api_secret, const py::object& journal_dir,
           const std::string& ca_file, const std::string& pinned_public_key, const std::string& proxy,
           bool allow_insecure_http, double shutdown_timeout, double connect_timeout, double request_timeout,
           double idle_after, const py::object& log, const std::string& log_level, const py::object& token_provider,
           std::optional<double> max_credits) {
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
  ~PyClient() {
    std::shared_ptr<cm::Client> last;
    {
      std::lock_guard<std::mutex> lock(g_registry_mutex);
      g_clients.erase(std::remove(g_clients.begin(), g_clients.end(), this), g_clients.end());
      last = std::move(client_);
    }
    ClientRef ref{std::move(last)};  // shuts down with the GIL released
  }
  PyClient(const PyClient&) = delete;
  PyClient& operator=(const PyClient&) = delete;

  ClientRef get() const {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    if (!client_) throw cm::Error("this creditmeter.Client is closed");
    return ClientRef{client_};
  }
  bool closed() const {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    return !client_;
  }
  // Stops every session of the client and delivers their usage for at most
  // shutdown_timeout. Idempotent. Sessions stay usable for stats().
  void close() {
    std::shared_ptr<cm::Client> last;
    {
      std::lock_guard<std::mutex> lock(g_registry_mutex);
      last = std::move(client_);
    }
    ClientRef ref{std::move(last)};
  }
  // Called by the atexit hook with the registry lock held.
  std::shared_ptr<cm::Client> take() { return std::move(client_); }

  std::unique_ptr<PySession> start_session(const std::string& model, const std::string& surface, bool audio_only,
                                           py::object on_state_change, const std::string& session_id,
                                           py::object on_balance, py::object on_low_balance, double low_balance_minutes,
                                           std::optional<double> low_balance_credits,
                                           std::optional<double> max_credits) {
    cm::SessionOptions so;
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
    std::shared_ptr<cm::Session> session;
    {
      py::gil_scoped_release nogil;
      session = c->start_session(std::move(so));
    }
    return std::make_unique<PySession>(std::move(session));
  }

  bool flush(double timeout_s) {
    const std::int64_t total = to_ms(timeout_s, "flush(): timeout", /*allow_infinite=*/true);
    if (t_scheduler_thread) return false;  // from a callback: it would wait on itself
    ClientRef c = get();
    using clock = std::chrono::steady_clock;
    const auto start = clock::now();
    const auto slice = milliseconds(100);
    for (;;) {
      milliseconds wait = slice;
      if (total >= 0) {
        const auto left = milliseconds(total) - std::chrono::duration_cast<milliseconds>(clock::now() - start);
        wait = std::max(milliseconds(0), std::min(slice, left));
      }
      const auto t0 = clock::now();
      bool done;
      {
        py::gil_scoped_release nogil;
        done = c->flush(wait);
      }
      if (done) return true;
      if (PyErr_CheckSignals() != 0) throw py::error_already_set();  // Ctrl-C
      const auto now = clock::now();
      if (total >= 0 && now - start >= milliseconds(total)) return false;
      // flush() gave up well before its slice ended: the client is shutting down.
      if (wait >= milliseconds(20) && now - t0 < wait / 2) return false;
    }
  }

  cm::CreditSummary credit_summary() {
    ClientRef c = get();
    py::gil_scoped_release nogil;
    return c->credit_summary();
  }

  std::int64_t estimate(const std::string& model, const std::string& surface) {
    ClientRef c = get();
    py::gil_scoped_release nogil;
    return c->estimate(model, surface);
  }

  cm::ClientUsage usage() {
    ClientRef c = get();
    py::gil_scoped_release nogil;
    return c->usage();
  }

  void set_max_credits(std::optional<double> max_credits) {
    ClientRef c = get();
    py::gil_scoped_release nogil;
    c->set_max_credits(max_credits);
  }

 private:
  std::shared_ptr<cm::Client> client_;  // guarded by g_registry_mutex
};

// ------------------------------------------------------------------ interpreter exit

// atexit: stop live sessions, shut clients down (each for at most its shutdown_timeout),
// then make sure no SDK thread is inside Python or about to enter it.
void at_exit() {
  if (g_exiting.exchange(true)) return;
  std::vector<std::shared_ptr<cm::Session>> sessions;
  std::vector<std::shared_ptr<cm::Client>> clients;
  {
    std::lock_guard<std::mutex> lock(g_registry_mutex);
    for (auto& entry : g_sessions) {
      if (auto s = entry.second.lock()) sessions.push_back(std::move(s));
    }
    for (PyClient* c : g_clients) {
      if (auto p = c->take()) clients.push_back(std::move(p));
    }
  }
  py::gil_scoped_release nogil;
  for (auto& s : sessions) {
    try {
      s->on_state_change(nullptr);
      s->on_balance(nullptr);
      s->on_low_balance(nullptr);
      s->stop();
    } catch (const std::exception& e) {  // e.g. a Client inherited through fork()
      write_stderr(std::string("at exit: ") + e.what());
    }
  }
  sessions.clear();  // a Python object may still own them: ~Session runs with its dealloc
  clients.clear();   // ~Client: flush for at most shutdown_timeout, then join
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (g_inflight.load() > 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(milliseconds(1));
  }
}

// ------------------------------------------------------------------ exceptions

void raise_python(const char* name, const cm::Error& e, int limit = -1) {
  py::object cls;
  try {
    cls = py::module_::import("creditmeter._errors").attr(name);
  } catch (py::error_already_set&) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
    return;
  }
  py::object exc = limit >= 0 ? cls(e.what(), e.code(), e.http_status(), limit)
                              : cls(e.what(), e.code(), e.http_status());
  PyErr_SetObject(cls.ptr(), exc.ptr());
}

void translate(std::exception_ptr p) {
  try {
    if (p) std::rethrow_exception(p);
  } catch (const cm::AuthenticationError& e) {
    raise_python("AuthenticationError", e);
  } catch (const cm::InsufficientCredits& e) {
    raise_python("InsufficientCredits", e);
  } catch (const cm::ConcurrencyLimitError& e) {
    raise_python("ConcurrencyLimitError", e, e.limit());
  } catch (const cm::NetworkError& e) {
    raise_python("NetworkError", e);
  } catch (const cm::InvalidArgument& e) {
    raise_python("InvalidArgument", e);
  } catch (const cm::Error& e) {
    raise_python("Error", e);
  }
}

// ------------------------------------------------------------------ the hot path

// frame() and may_render() as plain METH_NOARGS methods: no pybind11 dispatch, no argument
// conversion, no GIL release. The method descriptor checks the type of `self`.
PySession* session_of(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  auto vh = inst->get_value_and_holder();
  if (!vh.holder_constructed()) return nullptr;
  return vh.template holder<std::unique_ptr<PySession>>().get();
}

PyObject* fast_frame(PyObject* self, PyObject*) {
  PySession* s = session_of(self);
  if (s == nullptr) {
    PyErr_SetString(PyExc_TypeError, "creditmeter.Session was not made by Client.start_session()");
    return nullptr;
  }
  s->frame();
  Py_RETURN_NONE;
}

PyObject* fast_may_render(PyObject* self, PyObject*) {
  PySession* s = session_of(self);
  if (s == nullptr) {
    PyErr_SetString(PyExc_TypeError, "creditmeter.Session was not made by Client.start_session()");
    return nullptr;
  }
  if (s->may_render()) Py_RETURN_TRUE;
  Py_RETURN_FALSE;
}

PyMethodDef g_fast_methods[] = {
    {"frame", fast_frame, METH_NOARGS,
     "frame()\n--\n\nCall once per rendered frame, from the renderer thread (one per session). "
     "Never blocks, never raises, keeps the GIL: an atomic store."},
    {"may_render", fast_may_render, METH_NOARGS,
     "may_render()\n--\n\nWhether the avatar may render now (the state is 'active'). An atomic load."},
};

void install_fast_methods(py::handle type) {
  for (PyMethodDef& def : g_fast_methods) {
    py::object descr = py::reinterpret_steal<py::object>(
        PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(type.ptr()), &def));
    if (!descr) throw py::error_already_set();
    py::setattr(type, def.ml_name, descr);
  }
}

// __enter__ returns self; __exit__ calls `leave` (which releases the GIL) and lets
// exceptions propagate.
template <typename T>
void context_manager(py::class_<T>& cls, void (T::*leave)(), const char* what) {
  cls.def("__enter__", [](py::object self) { return self; });
  cls.def(
      "__exit__",
      [leave](T& self, const py::object&, const py::object&, const py::object&) {
        (self.*leave)();
        return false;
      },
      py::arg("exc_type").none(true), py::arg("exc_value").none(true), py::arg("traceback").none(true),
      (std::string("Calls ") + what + "; exceptions propagate.").c_str());
}

}  // namespace

PYBIND11_MODULE(_native, m) {
  m.doc() = "creditmeter native core (pybind11). Import `creditmeter`, not this module.";
  m.attr("__version__") = CREDITMETER_VERSION_STRING;
  py::register_exception_translator(&translate);

  py::class_<PyStateChange>(m, "StateChange", "One session transition, delivered to on_state_change callbacks.")
      .def_readonly("from_state", &PyStateChange::from_state, "The state before: 'active', 'paused_by_user', ...")
      .def_readonly("to_state", &PyStateChange::to_state, "The state after.")
      .def_readonly("reason", &PyStateChange::reason, "Why: 'none', 'user', 'insufficient_credits', ...")
      .def_readonly("message", &PyStateChange::message, "Human-readable, safe to show or log.")
      .def("__repr__", [](const PyStateChange& c) {
        return "StateChange(from_state='" + c.from_state + "', to_state='" + c.to_state + "', reason='" + c.reason +
               "', message=" + py::repr(py::str(c.message)).cast<std::string>() + ")";
      });

  py::class_<PyStats>(m, "SessionStats", "A session's usage counters (Session.stats()).")
      .def_readonly("active_ms", &PyStats::active_ms, "Active time metered so far (ms).")
      .def_readonly("reported_ms", &PyStats::reported_ms, "Active time the server acknowledged (ms).")
      .def_readonly("credits_charged", &PyStats::credits_charged, "Credits charged for this session.")
      .def_readonly("balance", &PyStats::balance, "Account balance in the latest answer (credits).")
      .def_readonly("heartbeats_ok", &PyStats::heartbeats_ok, "Heartbeats and releases answered 2xx.")
      .def_readonly("heartbeats_failed", &PyStats::heartbeats_failed, "Attempts that failed.")
      .def_readonly("grace_remaining_ms", &PyStats::grace_remaining_ms,
                    "Time left before an outage pauses rendering (ms).")
      .def_readonly("minutes_left", &PyStats::minutes_left,
                    "Runtime the balance buys at this session's rate (minutes; inf when free).")
      .def_readonly("heartbeats_retried", &PyStats::heartbeats_retried,
                    "Resends of a heartbeat or release already sent once.")
      .def_readonly("last_error", &PyStats::last_error, "The latest failed attempt's message ('' when none).")
      .def_readonly("last_error_reason", &PyStats::last_error_reason,
                    "What that failure means for billing: 'none', 'offline', 'insufficient_credits', ...")
      .def("__repr__", [](const PyStats& s) {
        return "SessionStats(active_ms=" + std::to_string(s.active_ms) + ", reported_ms=" +
               std::to_string(s.reported_ms) + ", credits_charged=" +
               py::repr(py::float_(s.credits_charged)).cast<std::string>() +
               ", balance=" + py::repr(py::float_(s.balance)).cast<std::string>() +
               ", heartbeats_ok=" + std::to_string(s.heartbeats_ok) +
               ", heartbeats_failed=" + std::to_string(s.heartbeats_failed) +
               ", grace_remaining_ms=" + std::to_string(s.grace_remaining_ms) +
               ", minutes_left=" + py::repr(py::float_(s.minutes_left)).cast<std::string>() +
               ", heartbeats_retried=" + std::to_string(s.heartbeats_retried) +
               ", last_error_reason='" + s.last_error_reason + "')";
      });

  py::class_<cm::BalanceUpdate>(m, "BalanceUpdate",
                                "The account balance as a session learned it (on_balance, on_low_balance).")
      .def_readonly("balance", &cm::BalanceUpdate::balance, "Credits; negative is debt.")
      .def_readonly("minutes_left", &cm::BalanceUpdate::minutes_left,
                    "Runtime left at this session's rate (minutes; inf when free).")
      .def_readonly("session_credits", &cm::BalanceUpdate::session_credits,
                    "Credits charged for this session so far.")
      .def("__repr__", [](const cm::BalanceUpdate& b) {
        return "BalanceUpdate(balance=" + py::repr(py::float_(b.balance)).cast<std::string>() +
               ", minutes_left=" + py::repr(py::float_(b.minutes_left)).cast<std::string>() +
               ", session_credits=" + py::repr(py::float_(b.session_credits)).cast<std::string>() + ")";
      });

  py::class_<cm::ClientUsage>(m, "ClientUsage", "The sum over a Client's sessions of their stats (Client.usage()).")
      .def_readonly("sessions", &cm::ClientUsage::sessions, "Sessions started (live and finished).")
      .def_readonly("active_ms", &cm::ClientUsage::active_ms, "Active time metered (ms).")
      .def_readonly("reported_ms", &cm::ClientUsage::reported_ms, "Active time the server acknowledged (ms).")
      .def_readonly("credits_charged", &cm::ClientUsage::credits_charged, "Credits charged.")
      .def_readonly("heartbeats_ok", &cm::ClientUsage::heartbeats_ok)
      .def_readonly("heartbeats_failed", &cm::ClientUsage::heartbeats_failed)
      .def("__repr__", [](const cm::ClientUsage& u) {
        return "ClientUsage(sessions=" + std::to_string(u.sessions) + ", active_ms=" + std::to_string(u.active_ms) +
               ", reported_ms=" + std::to_string(u.reported_ms) +
               ", credits_charged=" + py::repr(py::float_(u.credits_charged)).cast<std::string>() +
               ", heartbeats_ok=" + std::to_string(u.heartbeats_ok) +
               ", heartbeats_failed=" + std::to_string(u.heartbeats_failed) + ")";
      });

  py::class_<cm::CreditSummary>(m, "CreditSummary", "The account's credits (Client.credit_summary()).")
      .def_readonly("balance", &cm::CreditSummary::balance, "Credits; negative is debt.")
      .def_readonly("plan", &cm::CreditSummary::plan)
      .def_readonly("renews_at", &cm::CreditSummary::renews_at, "RFC 3339.")
      .def_readonly("plan_credits", &cm::CreditSummary::plan_credits)
      .def_readonly("topup_credits", &cm::CreditSummary::topup_credits)
      .def_readonly("estimated_minutes", &cm::CreditSummary::estimated_minutes,
                    "'<model>_<surface>' -> whole minutes the balance buys.")
      .def("__repr__", [](const cm::CreditSummary& s) {
        return "CreditSummary(balance=" + py::repr(py::float_(s.balance)).cast<std::string>() + ", plan='" + s.plan +
               "')";
      });

  auto session_class = py::class_<PySession>(m, "Session",
                        "A metered avatar session, made by Client.start_session(). A context manager: "
                        "leaving the `with` block calls stop(); the object stays usable for stats().")
      .def_property_readonly("id", &PySession::id, "The session id (a UUID unless you chose one).")
      .def("pause", &PySession::pause, "paused_by_user until resume(). No I/O, returns at once.")
      .def("resume", &PySession::resume, "Back to active unless billing or connectivity still holds it.")
      .def("stop", &PySession::stop,
           "Final: the release with the final usage is sent in the background (see Client.flush()).")
      .def_property_readonly("state", &PySession::state,
                             "'active', 'paused_by_user', 'paused_billing', 'paused_offline' or 'stopped'.")
      .def_property_readonly("reason", &PySession::reason, "The reason of the latest transition.")
      .def("stats", &PySession::stats, "The usage counters (a SessionStats), live.")
      .def("on_state_change", &PySession::on_state_change, py::arg("fn").none(true),
           "Sets (or with None removes) the callback fn(change: StateChange), run on the client's "
           "scheduler thread. Exceptions it raises are logged to the 'creditmeter' logger.")
      .def("on_balance", &PySession::on_balance, py::arg("fn").none(true),
           "Sets (or with None removes) fn(update: BalanceUpdate), run on the scheduler thread on every "
           "change of the balance.")
      .def("on_low_balance", &PySession::on_low_balance, py::arg("fn").none(true),
           "Sets (or with None removes) fn(update: BalanceUpdate), run once each time the balance falls "
           "below the low-balance threshold (again only after a top-up lifted it above).")
      .def("set_max_credits", &PySession::set_max_credits, py::arg("max_credits").none(true),
           "Sets (credits >= 0) or removes (None) this session's spending cap: it pauses with "
           "state 'paused_billing', reason 'spend_cap' before its charges would cross it; raising the "
           "cap resumes it.")
      .def("__repr__", [](PySession& s) { return "<creditmeter.Session id='" + s.id() + "' state='" + s.state() + "'>"; });

  install_fast_methods(session_class);
  context_manager(session_class, &PySession::stop, "stop()");

  auto client_class = py::class_<PyClient>(m, "Client",
                       "One Client per account and server. Makes no network call until start_session(). "
                       "A context manager: leaving the `with` block calls close().")
      .def(py::init<const std::string&, const std::string&, const py::object&, const std::string&,
                    const std::string&, const std::string&, bool, double, double, double, double,
                    const py::object&, const std::string&, const py::object&, std::optional<double>>(),
           py::arg("base_url") = "", py::arg("api_secret") = "", py::kw_only(),
           py::arg("journal_dir") = py::none(), py::arg("ca_file") = "", py::arg("pinned_public_key") = "",
           py::arg("proxy") = "", py::arg("allow_insecure_http") = false, py::arg("shutdown_timeout") = 2.0,
           py::arg("connect_timeout") = 5.0, py::arg("request_timeout") = 15.0, py::arg("idle_after") = 1.0,
           py::arg("log") = py::none(), py::arg("log_level") = "warning", py::arg("token_provider") = py::none(),
           py::arg("max_credits") = py::none())
      .def("start_session", &PyClient::start_session, py::arg("model") = "essence", py::arg("surface") = "cloud",
           py::arg("audio_only") = false, py::kw_only(), py::arg("on_state_change") = py::none(),
           py::arg("session_id") = "", py::arg("on_balance") = py::none(), py::arg("on_low_balance") = py::none(),
           py::arg("low_balance_minutes") = 5.0, py::arg("low_balance_credits") = py::none(),
           py::arg("max_credits") = py::none(),
           "The synchronous token exchange (releases the GIL). Raises AuthenticationError, "
           "InsufficientCredits, ConcurrencyLimitError, NetworkError or InvalidArgument. "
           "on_balance/on_low_balance take a BalanceUpdate; the low-balance threshold is "
           "low_balance_credits when given, else low_balance_minutes of runtime at the session's rate; "
           "max_credits caps the session's spending (see docs/CREDITS.md).")
      .def("flush", &PyClient::flush, py::arg("timeout_s") = 5.0,
           "Sends all unreported usage and waits up to timeout_s seconds (float, inf = no limit) for "
           "the acknowledgement. True when all was acknowledged. Releases the GIL; Ctrl-C interrupts it.")
      .def("credit_summary", &PyClient::credit_summary, "GET /v2/credit-summaries (releases the GIL).")
      .def("estimate", &PyClient::estimate, py::arg("model") = "essence", py::arg("surface") = "cloud",
           "Whole minutes the balance buys for model/surface: the server's figure when it sends one, else "
           "floor(balance / rate) of the rate card. Raises InvalidArgument for an unknown pair "
           "(releases the GIL; one server call).")
      .def("usage", &PyClient::usage, "The sum of the stats of every session this client started (a ClientUsage).")
      .def("set_max_credits", &PyClient::set_max_credits, py::arg("max_credits").none(true),
           "Sets (credits >= 0) or removes (None) the spending cap over all this client's sessions; "
           "raising or removing it resumes the sessions it held.")
      .def("close", &PyClient::close,
           "Stops every session and delivers usage for at most shutdown_timeout. Idempotent.")
      .def_property_readonly("closed", &PyClient::closed);
  context_manager(client_class, &PyClient::close, "close()");

  m.def("_at_exit", &at_exit, "Registered with atexit by the creditmeter package.");
  m.def("_is_scheduler_thread", [] { return t_scheduler_thread; });
}
