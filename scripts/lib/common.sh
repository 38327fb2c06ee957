# shellcheck shell=bash
# Shared helpers of the scripts in scripts/. Sourced, never executed.

# The repository root, whatever the caller's working directory.
CM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export CM_ROOT

# cm_log <tag> <message...>: one line, prefixed so it stands out from tool output.
cm_log() {
  local tag="$1"
  shift
  printf '==> [%s] %s\n' "$tag" "$*"
}

cm_die() {
  local tag="$1"
  shift
  printf '==> [%s] ERROR: %s\n' "$tag" "$*" >&2
  exit 1
}

# cm_now: seconds since the epoch with milliseconds (bash 5's EPOCHREALTIME).
cm_now() {
  if [[ -n "${EPOCHREALTIME:-}" ]]; then
    printf '%s' "${EPOCHREALTIME/[.,]/.}"
  else
    date +%s.%N
  fi
}

# cm_elapsed <start>: "12.3s" since <start> (a cm_now value).
cm_elapsed() {
  awk -v s="$1" -v e="$(cm_now)" 'BEGIN { printf "%.1fs", e - s }'
}

# cm_abs_build_dir <dir>: a build directory as an absolute path; relative paths are relative
# to the repository root, so the scripts behave the same from any working directory.
cm_abs_build_dir() {
  case "$1" in
    /*) printf '%s' "$1" ;;
    *) printf '%s/%s' "$CM_ROOT" "$1" ;;
  esac
}

# cm_jobs: parallel build jobs (all cores unless JOBS is set).
cm_jobs() {
  if [[ -n "${JOBS:-}" ]]; then
    printf '%s' "$JOBS"
  else
    nproc 2>/dev/null || getconf _NPROCESSORS_ONLN 2>/dev/null || echo 2
  fi
}
