// The Catch2 main of creditmeter_unit_tests, used when tests/support provides no
// creditmeter_test_main (see CMakeLists.txt). Compiled alone: the slow part of Catch2.
#define CATCH_CONFIG_MAIN
#include <catch2/catch.hpp>
