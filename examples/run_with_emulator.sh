#!/usr/bin/env bash
# Runs a command against a fresh creditmeter-emulator: starts the emulator on a free loopback
# port, creates an account, exports CREDITMETER_BASE_URL and CREDITMETER_API_SECRET, runs the
# command, stops the emulator and exits with the command's status.
#
#   examples/run_with_emulator.sh build/examples/render_loop --duration 5
#   examples/run_with_emulator.sh build/examples/c_client --duration 5
#   examples/run_with_emulator.sh python3 examples/python_engine.py --duration 5
#
# Environment:
#   CREDITMETER_EMULATOR   the emulator binary (default: build*/tools/emulator/creditmeter-emulator
#                          of this checkout, then creditmeter-emulator on PATH)
#   EXAMPLE_PLAN           plan of the account (default creator)
#   EXAMPLE_BALANCE        its balance in credits (default 100)
#   EXAMPLE_HEARTBEAT_S    heartbeat interval the emulator asks for (default 1; needs curl)
#   EXAMPLE_GRACE_S        offline grace (default 10; needs curl)
# The command's journal goes to a temporary XDG_STATE_HOME, removed afterwards.
set -euo pipefail

if [[ $# -eq 0 || "$1" == -h || "$1" == --help ]]; then
  sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'
  [[ $# -eq 0 ]] && exit 2 || exit 0
fi

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
emulator="${CREDITMETER_EMULATOR:-}"
if [[ -z "$emulator" ]]; then
  for candidate in "$here"/../build/tools/emulator/creditmeter-emulator "$here"/../build*/tools/emulator/creditmeter-emulator; do
    if [[ -x "$candidate" ]]; then emulator="$candidate"; break; fi
  done
fi
if [[ -z "$emulator" ]]; then emulator="$(command -v creditmeter-emulator || true)"; fi
if [[ -z "$emulator" || ! -x "$emulator" ]]; then
  echo "run_with_emulator: no creditmeter-emulator: build it (scripts/build.sh) or set CREDITMETER_EMULATOR" >&2
  exit 2
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/creditmeter-example.XXXXXX")"
emulator_pid=""
cleanup() {
  if [[ -n "$emulator_pid" ]]; then
    kill "$emulator_pid" 2>/dev/null || true
    wait "$emulator_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

secret="sk_example_$$_${RANDOM}${RANDOM}"
"$emulator" --host 127.0.0.1 --port 0 --port-file "$work/port" --quiet \
  --seed-account "$secret:${EXAMPLE_PLAN:-creator}:${EXAMPLE_BALANCE:-100}" &
emulator_pid=$!
for _ in $(seq 1 1000); do
  [[ -s "$work/port" ]] && break
  kill -0 "$emulator_pid" 2>/dev/null || { echo "run_with_emulator: the emulator exited" >&2; exit 1; }
  sleep 0.01
done
[[ -s "$work/port" ]] || { echo "run_with_emulator: the emulator did not listen within 10 s" >&2; exit 1; }
base_url="http://127.0.0.1:$(cat "$work/port")"

export NO_PROXY="127.0.0.1,localhost${NO_PROXY:+,$NO_PROXY}"
export no_proxy="$NO_PROXY"
if command -v curl >/dev/null 2>&1; then
  curl -fsS --noproxy '*' -X POST "$base_url/admin/config" -H 'Content-Type: application/json' \
    -d "{\"heartbeat_interval_s\":${EXAMPLE_HEARTBEAT_S:-1},\"offline_grace_s\":${EXAMPLE_GRACE_S:-10}}" >/dev/null
fi

export CREDITMETER_BASE_URL="$base_url"
export CREDITMETER_API_SECRET="$secret"
export XDG_STATE_HOME="$work/state"
echo "run_with_emulator: emulator at $base_url, running: $*" >&2
set +e
"$@"
rc=$?
set -e
exit "$rc"
