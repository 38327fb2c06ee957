// creditmeter.Session: a cm::Session for Python (init_session registers it).
#pragma once

#include <memory>
#include <optional>
#include <string>

#include "binding.hpp"
#include "conversions.hpp"

namespace creditmeter_python {

class PySession;

// The holder of every Python Session object. The fast frame()/may_render() methods
// (session.cpp) read it back out of the instance, so it must be the type the class is
// registered with: both name it through this alias.
using SessionHolder = std::unique_ptr<PySession>;

// Calls that may wait release the GIL (rule 1 of interpreter_exit.hpp); frame() and
// may_render() keep it (rule 2).
class PySession {
 public:
  // The TypeError of a Session made without start_session() (checked_self.hpp).
  static constexpr const char* kUnmade = "creditmeter.Session was not made by Client.start_session()";

  // Registers itself with the live-object registry, which stops it at interpreter exit.
  explicit PySession(std::shared_ptr<cm::Session> session);
  ~PySession();
  PySession(const PySession&) = delete;
  PySession& operator=(const PySession&) = delete;

  const std::string& id() const { return id_; }
  void frame() noexcept { raw_->frame(); }
  bool may_render() const noexcept { return raw_->may_render(); }

  void pause();
  void resume();
  void stop();
  py::object state() const;   // a creditmeter.SessionState
  py::object reason() const;  // a creditmeter.Reason
  PyStats stats() const;
  void on_state_change(py::object fn);
  void on_balance(py::object fn);
  void on_low_balance(py::object fn);
  void on_event_rejected(py::object fn);
  void set_max_credits(std::optional<double> max_credits);
  // A usage event (cm::Session::record); returns its id. Bad input: InvalidArgument.
  std::string record(const std::string& action, double quantity);

 private:
  std::shared_ptr<cm::Session> session_;
  cm::Session* raw_;
  std::string id_;
};

}  // namespace creditmeter_python
