// `with` support for Session and Client.
#pragma once

#include <string>

#include "binding.hpp"
#include "checked_self.hpp"

namespace creditmeter_python {

// __enter__ returns self; __exit__ calls `leave` (which releases the GIL) and lets exceptions
// propagate. Both raise TypeError for an object made without its constructor (checked_self.hpp).
template <typename T, typename... Options>
void context_manager(py::class_<T, Options...>& cls, void (T::*leave)(), const char* what) {
  cls.def("__enter__", [](py::object self) {
    require_made<T>(self);
    return self;
  });
  cls.def(
      "__exit__",
      [leave](py::handle self, const py::object&, const py::object&, const py::object&) {
        (require_made<T>(self)->*leave)();
        return false;
      },
      py::arg("exc_type").none(true), py::arg("exc_value").none(true), py::arg("traceback").none(true),
      (std::string("Calls ") + what + "; exceptions propagate.").c_str());
}

}  // namespace creditmeter_python
