#!/usr/bin/env bash
# Checks the documented Python install routes in throw-away venvs, offline:
#   1. pip:   python3 -m venv --system-site-packages V && V/bin/pip install --no-build-isolation ./bindings/python
#   2. cmake: cmake --install <build> --component python --prefix V     (when a build tree is given)
# then, in each venv, imports creditmeter from the venv and runs an audio-only session.
#
# Environment:
#   PYTHON                       the interpreter (default /usr/bin/python3: Debian's, where pybind11 lives)
#   CREDITMETER_CMAKE_BUILD_DIR  a configured build tree: pip reuses it (no second compile) and
#                                route 2 installs from it; unset, pip builds from scratch (minutes).
set -euo pipefail

PYTHON="${PYTHON:-/usr/bin/python3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
build="${CREDITMETER_CMAKE_BUILD_DIR:-}"
work="$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-pyinstall.XXXXXX")"
trap 'rm -rf "$work"' EXIT

smoke() { # smoke <venv>: import from the venv (not the source tree) and run a session
  local venv="$1"
  (cd "$work" && env -u PYTHONPATH "$venv/bin/python" - "$venv" <<'PY'
import os, sys
import creditmeter
venv = os.path.realpath(sys.argv[1])
assert os.path.realpath(creditmeter.__file__).startswith(venv + os.sep), creditmeter.__file__
# Nobody listens on port 9: an audio-only session makes no network call at all.
with creditmeter.Client(base_url="http://127.0.0.1:9", api_secret="sk_check", journal_dir="") as client:
    with client.start_session(audio_only=True) as s:
        s.frame()
        assert s.may_render() and s.state == "active"
    assert s.state == "stopped"
print(f"check_install: creditmeter {creditmeter.__version__} works from {venv}")
PY
  )
}

echo "check_install: pip route"
"$PYTHON" -m venv --system-site-packages "$work/pip-venv"
PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 \
  "$work/pip-venv/bin/pip" install -q --no-build-isolation "$root/bindings/python"
smoke "$work/pip-venv"

if [[ -n "$build" ]]; then
  echo "check_install: cmake --install route"
  "$PYTHON" -m venv --without-pip "$work/cmake-venv"
  cmake --install "$build" --component python --prefix "$work/cmake-venv" >/dev/null
  smoke "$work/cmake-venv"
fi
echo "check_install: passed"
