// The atexit hook and the state it shares with every entry into Python (interpreter_exit.hpp).

#include "interpreter_exit.hpp"

#include <chrono>
#include <exception>
#include <string>
#include <thread>
#include <utility>

#include "callbacks.hpp"
#include "client.hpp"

namespace creditmeter_python {

std::atomic<bool> g_exiting{false};
std::atomic<int> g_inflight{0};

std::mutex g_registry_mutex;
std::map<PySession*, std::weak_ptr<cm::Session>> g_sessions;
std::vector<PyClient*> g_clients;

namespace {

// atexit: stop live sessions, shut every client down at once (each for at most its
// shutdown_timeout, together rather than one after another), then make sure no SDK thread is
// inside Python or about to enter it.
void at_exit() {
  if (g_exiting.load()) return;
  drain_log_relay(std::chrono::seconds(1));  // lines logged so far still reach Python
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
  // close() (interrupt the calls in progress on other threads, then deliver for at most
  // shutdown_timeout) on one thread per client. A call in progress holds its client until it
  // has left (at once, interrupted): wait for every client to be gone.
  std::vector<std::weak_ptr<cm::Client>> gone(clients.begin(), clients.end());
  std::vector<std::thread> shutdowns;
  for (auto& c : clients) {
    shutdowns.emplace_back([c = std::move(c)]() mutable {
      c->close();
      c.reset();
    });
  }
  clients.clear();
  for (auto& t : shutdowns) t.join();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  const auto all_gone = [&] {
    for (auto& w : gone) {
      if (!w.expired()) return false;
    }
    return g_inflight.load() == 0;
  };
  while (!all_gone() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
}

}  // namespace

void init_interpreter_exit(py::module_& m) {
  m.def("_at_exit", &at_exit, "Registered with atexit by the creditmeter package.");
}

}  // namespace creditmeter_python
