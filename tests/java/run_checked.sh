#!/usr/bin/env bash
# Runs a JVM command (started with -Xcheck:jni) and fails when the JVM printed any line with
# "WARNING" (how -Xcheck:jni reports a misuse of JNI that did not crash), else exits with the
# command's status. The output is passed through.
#
#   tests/java/run_checked.sh java -Xcheck:jni -cp ... org.junit.platform.console.ConsoleLauncher ...
set -uo pipefail
log="$(mktemp "${TMPDIR:-/tmp}/creditmeter-jvm.XXXXXX")"
trap 'rm -f "$log"' EXIT
"$@" > >(tee "$log") 2>&1
rc=$?
wait # for tee to finish writing the log
if grep -n "WARNING" "$log" >&2; then
  echo "run_checked: the JVM printed a WARNING line above (-Xcheck:jni): failing" >&2
  exit 1
fi
exit "$rc"
