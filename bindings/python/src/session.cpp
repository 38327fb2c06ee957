// creditmeter.Session (session.hpp) and its fast frame()/may_render().

#include "session.hpp"

#include <mutex>
#include <utility>

#include "callbacks.hpp"
#include "checked_self.hpp"
#include "context_manager.hpp"
#include "interpreter_exit.hpp"

namespace creditmeter_python {

PySession::PySession(std::shared_ptr<cm::Session> session)
    : session_(std::move(session)), raw_(session_.get()), id_(raw_->id()) {
  std::lock_guard<std::mutex> lock(g_registry_mutex);
  g_sessions[this] = session_;
}

PySession::~PySession() {
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

void PySession::pause() {
  py::gil_scoped_release nogil;
  raw_->pause();
}

void PySession::resume() {
  py::gil_scoped_release nogil;
  raw_->resume();
}

void PySession::stop() {
  py::gil_scoped_release nogil;
  raw_->stop();
}

py::object PySession::state() const {
  cm::SessionState s;
  {
    py::gil_scoped_release nogil;
    s = raw_->state();
  }
  return to_py(s);
}

py::object PySession::reason() const {
  cm::Reason r;
  {
    py::gil_scoped_release nogil;
    r = raw_->reason();
  }
  return to_py(r);
}

PyStats PySession::stats() const {
  cm::SessionStats s;
  {
    py::gil_scoped_release nogil;
    s = raw_->stats();
  }
  return to_py(s);
}

void PySession::on_state_change(py::object fn) {
  cm::StateChangeCallback cb;
  if (!fn.is_none()) {
    if (!PyCallable_Check(fn.ptr())) throw py::type_error("on_state_change: expected a callable or None");
    cb = make_state_callback(std::move(fn), " of session " + id_);
  }
  py::gil_scoped_release nogil;
  raw_->on_state_change(std::move(cb));  // the old callback's last owner takes the GIL itself
}

void PySession::on_balance(py::object fn) {
  cm::BalanceCallback cb = make_balance_callback(std::move(fn), "on_balance of session " + id_);
  py::gil_scoped_release nogil;
  raw_->on_balance(std::move(cb));
}

void PySession::on_low_balance(py::object fn) {
  cm::BalanceCallback cb = make_balance_callback(std::move(fn), "on_low_balance of session " + id_);
  py::gil_scoped_release nogil;
  raw_->on_low_balance(std::move(cb));
}

void PySession::on_event_rejected(py::object fn) {
  cm::EventRejectedCallback cb = make_event_rejected_callback(std::move(fn), "on_event_rejected of session " + id_);
  py::gil_scoped_release nogil;
  raw_->on_event_rejected(std::move(cb));
}

std::string PySession::record(const std::string& action, double quantity) {
  // Never waits on I/O, but takes the session's lock, which the SDK's threads hold briefly.
  py::gil_scoped_release nogil;
  return raw_->record(action, quantity);
}

void PySession::set_max_credits(std::optional<double> max_credits) {
  py::gil_scoped_release nogil;
  raw_->set_max_credits(max_credits);
}

namespace {

// frame() and may_render() as plain METH_NOARGS methods: no pybind11 dispatch, no argument
// conversion, no GIL release. The method descriptor checks the type of `self`.
PySession* session_of(PyObject* self) {
  auto* inst = reinterpret_cast<py::detail::instance*>(self);
  auto vh = inst->get_value_and_holder();
  if (!vh.holder_constructed()) return nullptr;
  return vh.template holder<SessionHolder>().get();
}

PyObject* fast_frame(PyObject* self, PyObject*) {
  PySession* s = session_of(self);
  if (s == nullptr) {
    PyErr_SetString(PyExc_TypeError, PySession::kUnmade);
    return nullptr;
  }
  s->frame();
  Py_RETURN_NONE;
}

PyObject* fast_may_render(PyObject* self, PyObject*) {
  PySession* s = session_of(self);
  if (s == nullptr) {
    PyErr_SetString(PyExc_TypeError, PySession::kUnmade);
    return nullptr;
  }
  if (s->may_render()) Py_RETURN_TRUE;
  Py_RETURN_FALSE;
}

PyMethodDef g_fast_methods[] = {
    {"frame", fast_frame, METH_NOARGS,
     "frame($self)\n--\n\nCall once per rendered frame, from the renderer thread (one per session). "
     "Never blocks, never raises, keeps the GIL: an atomic store."},
    {"may_render", fast_may_render, METH_NOARGS,
     "may_render($self)\n--\n\nWhether the avatar may render now (the state is 'active'). An atomic load."},
};

void install_fast_methods(py::handle type) {
  for (PyMethodDef& def : g_fast_methods) {
    py::object descr = py::reinterpret_steal<py::object>(
        PyDescr_NewMethod(reinterpret_cast<PyTypeObject*>(type.ptr()), &def));
    if (!descr) throw py::error_already_set();
    py::setattr(type, def.ml_name, descr);
  }
}

}  // namespace

void init_session(py::module_& m) {
  auto session_class = py::class_<PySession, SessionHolder>(m, "Session",
                        "A metered avatar session, made by Client.start_session(). A context manager: "
                        "leaving the `with` block calls stop(); the object stays usable for stats().")
      .def_property_readonly("id", checked(&PySession::id), "The session id (a UUID unless you chose one).")
      .def("pause", checked(&PySession::pause), "paused_by_user until resume(). No I/O, returns at once.")
      .def("resume", checked(&PySession::resume), "Back to active unless billing or connectivity still holds it.")
      .def("stop", checked(&PySession::stop),
           "Final: the release with the final usage is sent in the background (see Client.flush()).")
      .def_property_readonly("state", checked(&PySession::state),
                             "A SessionState (a str): 'active', 'paused_by_user', 'paused_billing', 'paused_offline' or 'stopped'.")
      .def_property_readonly("reason", checked(&PySession::reason), "The reason of the latest transition.")
      .def("stats", checked(&PySession::stats), "The usage counters (a SessionStats), live.")
      .def("on_state_change", checked(&PySession::on_state_change), py::arg("fn").none(true),
           "Sets (or with None removes) the callback fn(change: StateChange), run on the client's "
           "callback thread. Exceptions it raises are logged to the 'creditmeter' logger.")
      .def("on_balance", checked(&PySession::on_balance), py::arg("fn").none(true),
           "Sets (or with None removes) fn(update: BalanceUpdate), run on the callback thread on every "
           "change of the balance.")
      .def("on_low_balance", checked(&PySession::on_low_balance), py::arg("fn").none(true),
           "Sets (or with None removes) fn(update: BalanceUpdate), run once each time the balance falls "
           "below the low-balance threshold (again only after a top-up lifted it above).")
      .def("record", checked(&PySession::record), py::arg("action"), py::arg("quantity") = 1.0,
           "Records a usage event (an LLM request, seconds of text-to-speech, ...) of `quantity` units of "
           "`action` and returns its id. Never waits on the network: the event is journaled within 100 ms "
           "and sent in a batch; the server charges it once at its price. Raises InvalidArgument (a "
           "ValueError) after stop(), on an audio-only session, for an empty action or one over 64 "
           "characters, and for a quantity that is NaN, infinite or negative.")
      .def("on_event_rejected", checked(&PySession::on_event_rejected), py::arg("fn").none(true),
           "Sets (or with None removes) fn(event: RejectedEvent), run on the callback thread when the "
           "server refuses a recorded event for good (e.g. code 'UNKNOWN_ACTION').")
      .def("set_max_credits", checked(&PySession::set_max_credits), py::arg("max_credits").none(true),
           "Sets (credits >= 0) or removes (None) this session's spending cap: it pauses with "
           "state 'paused_billing', reason 'spend_cap' before its charges would cross it; raising the "
           "cap resumes it.")
      .def("__repr__", [](py::handle self) {
        const PySession* s = require_made<PySession>(self);
        return "<creditmeter.Session id='" + s->id() + "' state='" + py::str(s->state()).cast<std::string>() + "'>";
      });

  install_fast_methods(session_class);
  context_manager(session_class, &PySession::stop, "stop()");
}

}  // namespace creditmeter_python
