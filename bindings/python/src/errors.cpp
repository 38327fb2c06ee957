// C++ exceptions -> the Python exception classes of creditmeter/_errors.py. The classes are
// plain Python (their constructors and attributes live there); this file only maps each C++
// exception to its class, most derived first.

#include <exception>

#include "binding.hpp"

namespace creditmeter_python {

namespace {

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
  exc.attr("retry_after") = static_cast<double>(e.retry_after().count()) / 1000.0;  // Python: seconds
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
  } catch (const cm::Interrupted& e) {
    raise_python("Interrupted", e);
  } catch (const cm::Error& e) {
    raise_python("Error", e);
  }
}

}  // namespace

void init_errors(py::module_&) { py::register_exception_translator(&translate); }

}  // namespace creditmeter_python
