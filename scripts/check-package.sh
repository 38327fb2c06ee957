#!/usr/bin/env bash
# Checks the installed package the way a user consumes it: `cmake --install` the build into a
# temporary prefix, build tests/package (find_package(creditmeter) + creditmeter::creditmeter)
# against that prefix only, run it and check what it prints. With the Java binding in the build,
# also compile tests/java/package/PackageCheck.java against <prefix>/share/java/creditmeter.jar
# only and run a session with it under -Xcheck:jni against the build's emulator.
#
#   scripts/check-package.sh                  # uses build/ (run scripts/build.sh first)
#   BUILD_DIR=build-x scripts/check-package.sh
#   KEEP_PREFIX=1 scripts/check-package.sh    # keep the temporary prefix for inspection
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BUILD_DIR="$(cm_abs_build_dir "${BUILD_DIR:-build}")"
start="$(cm_now)"

[[ -f "$BUILD_DIR/CMakeCache.txt" ]] || cm_die package "$BUILD_DIR is not a configured build dir: run scripts/build.sh first"

cache_get() { # cache_get <VAR>: a value from the build's CMakeCache.txt ("" if unset)
  sed -n "s/^$1:[A-Z]*=//p" "$BUILD_DIR/CMakeCache.txt" | head -n 1
}

work="$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-package.XXXXXX")"
if [[ "${KEEP_PREFIX:-0}" == 1 ]]; then
  trap 'cm_log package "kept $work"' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
prefix="$work/prefix"
consumer_build="$work/consumer"

# 1. Install.
cm_log package "install $BUILD_DIR into a temporary prefix"
cmake --install "$BUILD_DIR" --prefix "$prefix" >"$work/install.log" 2>&1 || {
  cat "$work/install.log" >&2
  cm_die package "cmake --install failed"
}
config="$(find "$prefix" -name creditmeterConfig.cmake -print -quit)"
[[ -n "$config" ]] || cm_die package "no creditmeterConfig.cmake under the prefix"
[[ -f "$prefix/include/creditmeter/creditmeter.hpp" ]] || cm_die package "headers not installed"
[[ -f "$prefix/include/creditmeter/version.h" ]] || cm_die package "generated version.h not installed"
# The package must be relocatable: no path into the source or build tree.
if grep -rlF -e "$CM_ROOT/" -e "$BUILD_DIR" "$(dirname "$config")" >/dev/null 2>&1; then
  grep -rnF -e "$CM_ROOT/" -e "$BUILD_DIR" "$(dirname "$config")" >&2 || true
  cm_die package "the installed CMake package refers to the source or build tree"
fi

# 2. Build the consumer against the prefix only. A sanitizer build's library needs the same
# runtime in the consumer's link.
flags=""
[[ "$(cache_get CREDITMETER_ASAN)" == ON ]] && flags="-fsanitize=address,undefined"
[[ "$(cache_get CREDITMETER_TSAN)" == ON ]] && flags="-fsanitize=thread"
compiler="$(cache_get CMAKE_CXX_COMPILER)"
version="$(cache_get CMAKE_PROJECT_VERSION)"
major="${version%%.*}"
shared="$(cache_get CREDITMETER_BUILD_SHARED)" # ON: creditmeter::creditmeter is libcreditmeter.so

# build_consumer <dir> <target>: configures and builds tests/package linking <target>.
build_consumer() {
  local dir="$1" target="$2" found
  cm_log package "build tests/package against the prefix, linking $target"
  {
    cmake -S "$CM_ROOT/tests/package" -B "$dir" \
      -DCMAKE_PREFIX_PATH="$prefix" \
      -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF \
      -DCMAKE_BUILD_TYPE=Release \
      -DCREDITMETER_CONSUMER_TARGET="$target" \
      ${compiler:+-DCMAKE_CXX_COMPILER="$compiler"} \
      ${flags:+-DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags"} &&
    cmake --build "$dir" -j "$(cm_jobs)"
  } >"$dir.log" 2>&1 || {
    cat "$dir.log" >&2
    cm_die package "the consumer project does not build against the installed package ($target)"
  }
  found="$(sed -n 's/^creditmeter_DIR:[A-Z]*=//p' "$dir/CMakeCache.txt")"
  case "$found" in
    "$prefix"/*) ;;
    *) cm_die package "find_package found creditmeter in '$found', not in the temporary prefix" ;;
  esac
}

# run_consumer <program>: runs it and checks its output.
run_consumer() {
  local output
  output="$("$@" 2>&1)" || {
    printf '%s\n' "$output" >&2
    cm_die package "$1 failed"
  }
  printf '%s\n' "$output" | sed 's/^/    /'
  grep -qxF "creditmeter-package-check version=$version may_render=1" <<<"$output" ||
    cm_die package "unexpected output of $1 (wanted version=$version may_render=1)"
  grep -qxF "creditmeter-package-check OK" <<<"$output" || cm_die package "no OK line from $1"
}

# needed <program>: its DT_NEEDED entries, one per line.
needed() { readelf -d "$1" 2>/dev/null | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

# 3. The documented way: find_package + creditmeter::creditmeter.
build_consumer "$consumer_build" creditmeter::creditmeter
run_consumer "$consumer_build/app"
if [[ "$shared" == ON ]]; then
  needed "$consumer_build/app" | grep -qx "libcreditmeter.so.$major" ||
    cm_die package "creditmeter::creditmeter should be libcreditmeter.so.$major (NEEDED: $(needed "$consumer_build/app" | tr '\n' ' '))"

  # 4. With the shared library as the default, the static one must work too.
  build_consumer "$work/consumer-static" creditmeter::creditmeter_static
  run_consumer "$work/consumer-static/app"
  if needed "$work/consumer-static/app" | grep -q '^libcreditmeter'; then
    cm_die package "creditmeter::creditmeter_static links libcreditmeter.so"
  fi
fi

# 5. pkg-config (builds without CMake): creditmeter.pc must resolve, relocatably, and build
# main.cpp. Linking against the static library through pkg-config --static needs the static
# closure of libcurl (not in the -dev packages), so without a shared library only compile.
pc="$(find "$prefix" -name creditmeter.pc -print -quit)"
if [[ -n "$pc" ]]; then
  pc_dir="$(dirname "$pc")"
  if ! pc_cflags="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --cflags creditmeter)" ||
     ! pc_libs="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --libs creditmeter)"; then
    cm_die package "pkg-config cannot resolve creditmeter.pc"
  fi
  pc_version="$(PKG_CONFIG_PATH="$pc_dir" pkg-config --modversion creditmeter)"
  [[ "$pc_version" == "$version" ]] || cm_die package "creditmeter.pc says version $pc_version, the build $version"
  if [[ "$shared" == ON ]]; then
    cm_log package "pkg-config: build and run main.cpp with \$(pkg-config --cflags --libs creditmeter)"
    # shellcheck disable=SC2086 # pkg-config output is deliberately word-split
    "${compiler:-c++}" -std=c++17 $flags $pc_cflags "$CM_ROOT/tests/package/main.cpp" \
      -o "$work/app-pc" $pc_libs >"$work/pc.log" 2>&1 || {
      cat "$work/pc.log" >&2
      cm_die package "main.cpp does not build with the pkg-config flags"
    }
    run_consumer env LD_LIBRARY_PATH="$(dirname "$pc_dir")${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" "$work/app-pc"
  else
    cm_log package "pkg-config: compile main.cpp with \$(pkg-config --cflags creditmeter)"
    # shellcheck disable=SC2086
    "${compiler:-c++}" -std=c++17 $flags $pc_cflags -c "$CM_ROOT/tests/package/main.cpp" \
      -o "$work/app-pc.o" || cm_die package "main.cpp does not compile with the pkg-config flags"
  fi
else
  cm_log package "no creditmeter.pc installed; pkg-config check skipped"
fi

# 6. The Java binding, when the build has it (its install rules name creditmeter.jar): the jar
# and the JNI library must be installed, and an app compiled against the installed jar alone
# runs a session, as docs/JAVA.md says: no -Djava.library.path (the jar finds
# <prefix>/lib/libcreditmeter_jni.so, which finds libcreditmeter.so.0 beside it); the program
# checks that both came from the prefix. Under -Xcheck:jni: a WARNING line fails the check.
java_checked=""
if grep -qs 'creditmeter.jar' "$BUILD_DIR/bindings/java/cmake_install.cmake"; then
  jar="$prefix/share/java/creditmeter.jar"
  [[ -f "$jar" ]] || cm_die package "the build has the Java binding but share/java/creditmeter.jar is not installed"
  [[ -f "$prefix/lib/libcreditmeter_jni.so" ]] ||
    cm_die package "the build has the Java binding but lib/libcreditmeter_jni.so is not installed"
  javac="$(cache_get Java_JAVAC_EXECUTABLE)"
  java="$(cache_get Java_JAVA_EXECUTABLE)"
  emulator="$BUILD_DIR/tools/emulator/creditmeter-emulator"
  [[ -x "$emulator" ]] || cm_die package "no $emulator for the Java check: build the creditmeter-emulator target"
  cm_log package "Java: compile tests/java/package/PackageCheck.java against the installed creditmeter.jar only"
  "${javac:-javac}" --release 11 -encoding UTF-8 -Xlint:all -Werror -cp "$jar" -d "$work/java-classes" \
    "$CM_ROOT/tests/java/package/PackageCheck.java" >"$work/javac.log" 2>&1 || {
    cat "$work/javac.log" >&2
    cm_die package "PackageCheck.java does not compile against the installed creditmeter.jar"
  }
  cm_log package "Java: a session against the emulator, -Xcheck:jni, the library found from the jar"
  # run_with_emulator.sh: a fresh emulator on 127.0.0.1, NO_PROXY, a temporary XDG_STATE_HOME.
  # run_checked.sh fails on any WARNING line (-Xcheck:jni). No LD_LIBRARY_PATH: the install's
  # RUNPATH must do.
  output="$(env -u LD_LIBRARY_PATH CREDITMETER_EMULATOR="$emulator" \
    "$CM_ROOT/tests/java/run_checked.sh" "$CM_ROOT/examples/run_with_emulator.sh" \
    "${java:-java}" -Xcheck:jni -cp "$jar:$work/java-classes" PackageCheck "$prefix" 2>&1)" || {
    printf '%s\n' "$output" >&2
    cm_die package "the Java check failed (above)"
  }
  printf '%s\n' "$output" | sed 's/^/    /'
  grep -q '^creditmeter-package-check java OK ' <<<"$output" || cm_die package "no OK line from PackageCheck"
  java_checked=" and creditmeter.jar runs a session"
else
  cm_log package "the build has no Java binding; the Java check is skipped"
fi

cm_log package "OK: find_package(creditmeter $version) builds and runs$java_checked ($(cm_elapsed "$start"))"
