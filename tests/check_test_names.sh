#!/usr/bin/env bash
# Catch2 test names that ctest cannot run as themselves: CMake splits a discovered name at ';',
# and Catch2 reads a name starting with '-' as an option and one starting with '~' as "every
# test but this one". Such a test passes without running (or runs everything): refuse them.
set -euo pipefail
root="${1:?usage: check_test_names.sh <tests folder>}"
bad=$(grep -rnE --include='*.cpp' 'TEST_CASE\("([-~]|[^"]*;)' "$root" || true)
if [[ -n "$bad" ]]; then
  echo "test names ctest cannot run as themselves (no ';', no leading '-' or '~'):" >&2
  echo "$bad" >&2
  exit 1
fi
echo "test names: ok"
