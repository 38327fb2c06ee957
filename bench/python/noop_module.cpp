// The baseline of the Python frame() benchmark: a pybind11 class with a method that does
// nothing, bound the ordinary pybind11 way (.def).
#include <pybind11/pybind11.h>

namespace {
struct Noop {
  void noop() {}
};
}  // namespace

PYBIND11_MODULE(_bench_noop, m) {
  pybind11::class_<Noop>(m, "Noop").def(pybind11::init<>()).def("noop", &Noop::noop);
}
