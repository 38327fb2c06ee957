// Methods bound through checked() raise TypeError on an object made without its constructor.
//
// `creditmeter.Session.__new__(creditmeter.Session)` (or Client's) makes an instance whose C++
// object was never constructed; pybind11 would hand a member function uninitialised memory as
// `this`, a crash. Every method and property of Session and Client is bound through checked(),
// which takes `self` as a Python object and raises TypeError unless its holder was constructed.
#pragma once

#include <typeinfo>
#include <utility>

#include "binding.hpp"

namespace creditmeter_python {

// The C++ object of `self`, an instance of T's Python class; TypeError for anything else or
// for an instance made without its constructor (T::kUnmade says so).
template <typename T>
T* require_made(py::handle self) {
  const auto* type = py::detail::get_type_info(typeid(T));
  if (type == nullptr || !PyObject_TypeCheck(self.ptr(), type->type)) throw py::type_error(T::kUnmade);
  auto vh = reinterpret_cast<py::detail::instance*>(self.ptr())->get_value_and_holder(type);
  if (!vh || !vh.holder_constructed()) throw py::type_error(T::kUnmade);
  return vh.template value_ptr<T>();
}

template <typename T, typename R, typename... A>
auto checked(R (T::*method)(A...)) {
  return [method](py::handle self, A... args) -> R {
    return (require_made<T>(self)->*method)(std::forward<A>(args)...);
  };
}

template <typename T, typename R, typename... A>
auto checked(R (T::*method)(A...) const) {
  return [method](py::handle self, A... args) -> R {
    return (require_made<T>(self)->*method)(std::forward<A>(args)...);
  };
}

}  // namespace creditmeter_python
