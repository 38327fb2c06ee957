#!/usr/bin/env bash
# Configures (only when needed) and builds creditmeter.
#
#   scripts/build.sh                        # RelWithDebInfo into build/
#   BUILD_TYPE=Debug scripts/build.sh       # Debug, Release, RelWithDebInfo, MinSizeRel
#   BUILD_DIR=build-x CMAKE_ARGS="-DCREDITMETER_ASAN=ON" scripts/build.sh
#
# Environment:
#   BUILD_DIR      build directory (default build/, relative paths are relative to the repo)
#   BUILD_TYPE     CMAKE_BUILD_TYPE (default RelWithDebInfo)
#   CMAKE_ARGS     extra arguments for the configure step (word-split)
#   BUILD_TARGETS  build only these targets (space-separated); unknown ones are skipped
#   BUILD_QUIET=1  show only progress lines ("Built target ..."); the full log is kept in
#                  BUILD_DIR/build.log and its tail is printed on failure
#   JOBS           parallel jobs (default: all cores)
# The configure step reruns only when the build dir has no generated build system or the
# settings above changed (then from a fresh cache); CMake itself re-runs when a CMakeLists.txt
# changes.
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

BUILD_DIR="$(cm_abs_build_dir "${BUILD_DIR:-build}")"
BUILD_TYPE="${BUILD_TYPE:-RelWithDebInfo}"
BUILD_QUIET="${BUILD_QUIET:-0}"
PYTHON=/usr/bin/python3
jobs="$(cm_jobs)"

command -v cmake >/dev/null 2>&1 || cm_die build "cmake not found: run scripts/install-deps.sh first"

# shellcheck disable=SC2206 # CMAKE_ARGS is deliberately word-split
extra_args=(${CMAKE_ARGS:-})
configure_args=(-S "$CM_ROOT" -B "$BUILD_DIR" "-DCMAKE_BUILD_TYPE=$BUILD_TYPE")
# The Python parts (bindings, tests) build against the system interpreter, never a venv's.
if [[ -x "$PYTHON" ]]; then
  configure_args+=("-DPython3_EXECUTABLE=$PYTHON" "-DPYTHON_EXECUTABLE=$PYTHON")
fi
configure_args+=("${extra_args[@]}")

stamp="$BUILD_DIR/.creditmeter-configure-args"
wanted="$(printf '%s\n' "${configure_args[@]}" "generator=${CMAKE_GENERATOR:-default}")"

need_configure=0
if [[ ! -f "$BUILD_DIR/CMakeCache.txt" ]]; then
  need_configure=1
elif [[ ! -f "$BUILD_DIR/Makefile" && ! -f "$BUILD_DIR/build.ninja" ]]; then
  need_configure=1 # an earlier configure failed half-way
elif [[ ! -f "$stamp" ]] || [[ "$(cat "$stamp")" != "$wanted" ]]; then
  need_configure=1
  # Settings changed: configure from a fresh cache, so an argument dropped from CMAKE_ARGS
  # does not live on in CMakeCache.txt. Objects stay; only what the change affects rebuilds.
  if [[ -f "$stamp" ]]; then
    rm -f "$BUILD_DIR/CMakeCache.txt"
  fi
fi

start="$(cm_now)"
if [[ "$need_configure" -eq 1 ]]; then
  rm -f "$stamp"
  cm_log build "configure $BUILD_DIR ($BUILD_TYPE${extra_args[*]:+ ${extra_args[*]}})"
  mkdir -p "$BUILD_DIR"
  if [[ "$BUILD_QUIET" == 1 ]]; then
    if ! cmake "${configure_args[@]}" >"$BUILD_DIR/configure.log" 2>&1; then
      tail -n 60 "$BUILD_DIR/configure.log" >&2
      cm_die build "configure failed (full log: $BUILD_DIR/configure.log)"
    fi
  else
    cmake "${configure_args[@]}" || cm_die build "configure failed"
  fi
  printf '%s' "$wanted" >"$stamp"
  cm_log build "configured ($(cm_elapsed "$start"))"
else
  cm_log build "configure up to date ($BUILD_DIR, $BUILD_TYPE)"
fi

# Targets to build: all, or those of BUILD_TARGETS that this tree defines.
target_args=()
if [[ -n "${BUILD_TARGETS:-}" ]]; then
  known="$(cmake --build "$BUILD_DIR" --target help 2>/dev/null || true)"
  for t in $BUILD_TARGETS; do
    if grep -Eq "(^|[ .:])${t}([ :]|$)" <<<"$known"; then
      target_args+=(--target "$t")
    else
      cm_log build "target $t is not defined in this tree; skipped"
    fi
  done
  if [[ ${#target_args[@]} -eq 0 ]]; then
    cm_log build "no target to build"
    exit 0
  fi
fi

build_start="$(cm_now)"
cm_log build "build -j$jobs${BUILD_TARGETS:+ (targets: $BUILD_TARGETS)}"
if [[ "$BUILD_QUIET" == 1 ]]; then
  set +e
  cmake --build "$BUILD_DIR" -j "$jobs" "${target_args[@]}" 2>&1 \
    | tee "$BUILD_DIR/build.log" \
    | grep --line-buffered -E '^\[ *[0-9]+%\] (Built target|Linking)'
  rc="${PIPESTATUS[0]}"
  set -e
  if [[ "$rc" -ne 0 ]]; then
    grep -E -B2 -A12 'error|Error' "$BUILD_DIR/build.log" | head -n 80 >&2 || tail -n 60 "$BUILD_DIR/build.log" >&2
    cm_die build "build failed (full log: $BUILD_DIR/build.log)"
  fi
else
  cmake --build "$BUILD_DIR" -j "$jobs" "${target_args[@]}" || cm_die build "build failed"
fi
cm_log build "built ($(cm_elapsed "$build_start"))"
