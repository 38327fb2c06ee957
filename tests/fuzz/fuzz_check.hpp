#pragma once
// FUZZ_CHECK(cond): a property that must hold for every input; a violation aborts, which
// libFuzzer (and the corpus driver) report as a crash with the offending input.

#include <cstdio>
#include <cstdlib>

#define FUZZ_CHECK(cond)                                                                  \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: property violated: %s\n", __FILE__, __LINE__, #cond); \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)
