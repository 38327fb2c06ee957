#!/usr/bin/env bash
# Installs the Debian packages creditmeter needs (Debian 12 "bookworm"), non-interactively.
# Idempotent: asks dpkg which packages are present and installs only the missing ones; when
# nothing is missing it changes nothing and touches no network (a fast no-op).
#
#   scripts/install-deps.sh            # install what is missing
#   scripts/install-deps.sh --check    # only report what is missing (exit 1 if anything is)
#   scripts/install-deps.sh --list     # print the package list, one per line
set -euo pipefail
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

# The one list of system packages. Keep every package in exactly one group, with what needs it.
PACKAGES=(
  # Toolchain: C/C++ compilers and make (gcc's libasan/libtsan/libubsan come with it), CMake,
  # pkg-config (how cpp-httplib is found), git.
  build-essential cmake pkg-config git
  # The library (src/): libcurl transport, JSON protocol, OpenSSL (HS256 tokens, TLS).
  libcurl4-openssl-dev nlohmann-json3-dev libssl-dev
  # The emulator (tools/emulator): cpp-httplib server; the openssl CLI makes test TLS certificates.
  libcpp-httplib-dev openssl
  # examples/run_with_emulator.sh drives the emulator's admin API with curl.
  curl
  # C++ tests (tests/unit, integration, emulator): Catch2 v2.
  catch2
  # Python bindings (bindings/python) and their tests (tests/python).
  # The offline pip install of the binding (bindings/python/setup.py) needs setuptools + wheel.
  # creditmeter.aio's tests: pytest-asyncio; the stubs and examples are checked with mypy.
  pybind11-dev python3-pybind11 python3-dev python3-venv python3-pytest python3-setuptools python3-wheel
  python3-pytest-asyncio mypy
  # The wheel (tests/python/check_wheel.sh): python3 -m build --no-isolation.
  python3-build
  # Java binding (bindings/java: javac, JNI headers) and its JUnit 5 tests (tests/java; jars in
  # /usr/share/java, no Maven repository needed).
  openjdk-17-jdk-headless junit5
  # Behind real front servers (tests/frontserver): nginx terminating TLS with HTTP/2 and
  # short keep-alives, and tinyproxy as the HTTPS_PROXY (HTTP CONNECT) of the proxy test.
  nginx tinyproxy
  # Benchmarks (bench/, CREDITMETER_BUILD_BENCHMARKS=ON): Google Benchmark.
  libbenchmark-dev
  # clang: fuzzing (libFuzzer and its sanitizer runtimes) and the Swift module-map check.
  clang libclang-rt-14-dev
)

mode=install
case "${1:-}" in
  "") ;;
  --check) mode=check ;;
  --list) printf '%s\n' "${PACKAGES[@]}"; exit 0 ;;
  -h|--help) sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  *) cm_die deps "unknown option: $1 (try --help)" ;;
esac

start="$(cm_now)"

if ! command -v dpkg-query >/dev/null 2>&1; then
  cm_die deps "dpkg-query not found: this script supports Debian/Ubuntu only; install the equivalents of: ${PACKAGES[*]}"
fi

# A package's status for this machine's architecture: a Multi-Arch: same package that is also
# installed for another one (scripts/cross-test.sh's :arm64/:armhf -dev packages) has a status
# per architecture; an Architecture: all package answers only to its plain name.
native_arch="$(dpkg --print-architecture)"
pkg_status() {
  dpkg-query -W -f='${Status}' "$1:$native_arch" 2>/dev/null || dpkg-query -W -f='${Status}' "$1" 2>/dev/null || true
}

missing=()
for pkg in "${PACKAGES[@]}"; do
  status="$(pkg_status "$pkg")"
  if [[ "$status" != "install ok installed" ]]; then
    missing+=("$pkg")
  fi
done

if [[ ${#missing[@]} -eq 0 ]]; then
  cm_log deps "all ${#PACKAGES[@]} packages present, nothing to do ($(cm_elapsed "$start"))"
  exit 0
fi

cm_log deps "missing ${#missing[@]} of ${#PACKAGES[@]}: ${missing[*]}"
if [[ "$mode" == check ]]; then
  exit 1
fi

# Root runs apt-get directly; anyone else goes through sudo when there is one.
SUDO=()
if [[ "$(id -u)" -ne 0 ]]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
  else
    cm_die deps "not root and sudo is not installed: run as root: apt-get install ${missing[*]}"
  fi
fi

export DEBIAN_FRONTEND=noninteractive
APT=("${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get
     -o DPkg::Lock::Timeout=300 -o Dpkg::Use-Pty=0 -q)

apt_update() {
  cm_log deps "apt-get update"
  "${APT[@]}" update >/dev/null
}

apt_install() {
  cm_log deps "apt-get install ${missing[*]}"
  "${APT[@]}" install -y --no-install-recommends "${missing[@]}" >/dev/null
}

# A fresh image has no package lists at all: update first. Otherwise try with the lists we
# have, and update + retry once only if that fails (stale lists give 404s).
if ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null; then
  apt_update
  apt_install
elif ! apt_install; then
  cm_log deps "install failed; refreshing package lists and retrying once"
  apt_update
  apt_install
fi

# Check the result the same way we decided what to install.
still=()
for pkg in "${missing[@]}"; do
  [[ "$(pkg_status "$pkg")" == "install ok installed" ]] || still+=("$pkg")
done
if [[ ${#still[@]} -ne 0 ]]; then
  cm_die deps "still missing after install: ${still[*]}"
fi
cm_log deps "installed ${#missing[@]} packages ($(cm_elapsed "$start"))"
