// What every file of creditmeter._native shares: the pybind11 headers, the namespace aliases and
// the init_* functions that module.cpp calls, one per concept, in the order registrations must
// happen (the layout pybind11's FAQ suggests for a module split over several files).
//
// The binding is a shell over the public C++ API (include/creditmeter/) and includes nothing
// else of the SDK. GIL and interpreter-exit rules: docs/PYTHON.md and interpreter_exit.hpp.
#pragma once

// Every file includes stl.h through this header, so std::optional, std::map and std::string
// convert the same way in every translation unit: a type caster visible in one file and not in
// another would be an ODR violation that converts differently depending on the file.
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <creditmeter/creditmeter.hpp>

namespace creditmeter_python {

namespace py = pybind11;
namespace cm = creditmeter;

// The Python exceptions (creditmeter._errors) for the C++ ones. First: everything after may throw.
void init_errors(py::module_& m);
// StateChange, SessionStats, BalanceUpdate, ClientUsage, CreditSummary: before the classes whose
// methods return them, so their docstrings name the Python types.
void init_value_types(py::module_& m);
// _CallStop: before Client, whose waiting calls take one.
void init_interruptible(py::module_& m);
// Session: before Client, whose start_session() returns one.
void init_session(py::module_& m);
void init_client(py::module_& m);
// _at_exit, which creditmeter/__init__.py registers with atexit.
void init_interpreter_exit(py::module_& m);
// _is_callback_thread, a test hook.
void init_callbacks(py::module_& m);

}  // namespace creditmeter_python
