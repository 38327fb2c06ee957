// The Catch2 main of every creditmeter test binary. Before any test runs it makes the
// environment hermetic, so that a developer's proxy or stale SDK journal never changes an
// outcome: loopback bypasses any proxy, proxy variables are unset, and XDG_STATE_HOME (where
// the SDK keeps its journal by default) points to a fresh directory removed at exit.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include <cstdlib>

#include "emulator_process.hpp"

int main(int argc, char* argv[]) {
  setenv("NO_PROXY", "127.0.0.1,localhost", 1);
  setenv("no_proxy", "127.0.0.1,localhost", 1);
  for (const char* name : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "all_proxy"}) {
    unsetenv(name);
  }
  int result = 0;
  {
    const creditmeter::testing::TempDir state_home;
    setenv("XDG_STATE_HOME", state_home.path().c_str(), 1);
    result = Catch::Session().run(argc, argv);
  }
  return result;
}
