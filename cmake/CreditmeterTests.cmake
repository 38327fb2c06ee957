# creditmeter_discover_tests(<target> LABEL <suite> [PREFIX <p>] [TIMEOUT <s>] [SMOKE_TIMEOUT <s>])
# Registers a Catch2 binary's tests with ctest, every test labelled <suite>; those tagged
# [smoke] are labelled `<suite>;smoke` as well, the subset the sanitizer runs take. Two
# discoveries of one binary split by Catch's tag filter; a label list such as "cli;smoke" does
# not survive catch_discover_tests' escaping, so the smoke labels come from a CTest include
# file that runs after the discovered list is loaded.
function(creditmeter_discover_tests target)
  cmake_parse_arguments(arg "" "LABEL;PREFIX;TIMEOUT;SMOKE_TIMEOUT" "" ${ARGN})
  if(NOT arg_TIMEOUT)
    set(arg_TIMEOUT 120)
  endif()
  if(NOT arg_SMOKE_TIMEOUT)
    set(arg_SMOKE_TIMEOUT ${arg_TIMEOUT})
  endif()
  catch_discover_tests(${target} TEST_PREFIX "${arg_PREFIX}" TEST_SPEC "[smoke]" EXTRA_ARGS -w NoTests
    TEST_LIST ${target}_smoke_tests PROPERTIES TIMEOUT ${arg_SMOKE_TIMEOUT} LABELS ${arg_LABEL})
  catch_discover_tests(${target} TEST_PREFIX "${arg_PREFIX}" TEST_SPEC "~[smoke]" EXTRA_ARGS -w NoTests
    PROPERTIES TIMEOUT ${arg_TIMEOUT} LABELS ${arg_LABEL})
  set(labels_file ${CMAKE_CURRENT_BINARY_DIR}/${target}_smoke_labels.cmake)
  file(WRITE ${labels_file}
    "if(${target}_smoke_tests)\n"
    "  set_tests_properties(\${${target}_smoke_tests} PROPERTIES LABELS \"${arg_LABEL};smoke\")\n"
    "endif()\n")
  set_property(DIRECTORY APPEND PROPERTY TEST_INCLUDE_FILES ${labels_file})
endfunction()
