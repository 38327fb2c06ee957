#!/usr/bin/env bash
# The wheel route, offline: python3 -m build --no-isolation --wheel (Debian python3-build),
# reusing a configured build tree; the wheel installed with pip into a CLEAN venv (no system
# site packages, no package index) where a smoke script runs a metered creditmeter.aio session
# against the emulator and checks that the server's figure equals the client's; then the whole
# pytest suite (tests/python) runs with the system pytest against that installed wheel: the
# venv's site-packages first on the path (pytest itself is not installable in the venv: no index).
#
# Environment: PYTHON (default /usr/bin/python3), CREDITMETER_CMAKE_BUILD_DIR (a configured build
# tree, required), CREDITMETER_EMULATOR (the emulator binary).
set -euo pipefail

PYTHON="${PYTHON:-/usr/bin/python3}"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
: "${CREDITMETER_CMAKE_BUILD_DIR:?set CREDITMETER_CMAKE_BUILD_DIR to a configured build tree}"
work="$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-wheel.XXXXXX")"
trap 'rm -rf "$work"' EXIT

echo "check_wheel: python3 -m build --no-isolation --wheel"
"$PYTHON" -m build --no-isolation --wheel --outdir "$work/dist" "$root/bindings/python" >"$work/build.log" 2>&1 ||
  { tail -30 "$work/build.log"; exit 1; }
wheel="$(ls "$work"/dist/creditmeter-*.whl)"
echo "check_wheel: $(basename "$wheel") into a clean venv"
"$PYTHON" -m venv "$work/venv"
PIP_NO_INDEX=1 PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_CACHE_DIR=1 "$work/venv/bin/pip" install -q "$wheel"
cat >"$work/smoke.py" <<'PY'
import asyncio, os, sys
import creditmeter, creditmeter.aio
venv = os.path.realpath(sys.argv[1])
assert os.path.realpath(creditmeter.__file__).startswith(venv + os.sep), creditmeter.__file__
assert not any("dist-packages" in p for p in sys.path), sys.path  # a clean venv: no system packages

async def main() -> None:
    async with creditmeter.aio.Client(journal_dir="") as client:  # CREDITMETER_BASE_URL, _API_SECRET
        async with await client.start_session() as session:
            for _ in range(30):
                if session.may_render():
                    session.frame()
                await asyncio.sleep(0.01)
        assert await client.flush(5.0)
        st = session.stats()
        assert session.state == "stopped" and st.active_ms > 0 and st.reported_ms == st.active_ms, st
    print(f"check_wheel: creditmeter {creditmeter.__version__} from {venv}: {st.reported_ms} ms reported")

asyncio.run(main())
PY
(cd "$work" && env -u PYTHONPATH "$root/examples/run_with_emulator.sh" "$work/venv/bin/python" "$work/smoke.py" "$work/venv")
site="$("$work/venv/bin/python" -c 'import sysconfig; print(sysconfig.get_paths()["purelib"])')"
echo "check_wheel: the pytest suite against the wheel installed in $site"
(cd "$work" && env -u PYTHONPATH PYTHONPATH="$site" CREDITMETER_EXPECT_PACKAGE_DIR="$site" \
  NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost \
  "$PYTHON" -m pytest -q -p no:cacheprovider --rootdir "$root/tests/python" "$root/tests/python")
echo "check_wheel: passed"
