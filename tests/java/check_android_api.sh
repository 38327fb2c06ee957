#!/usr/bin/env bash
# Fails when creditmeter.jar calls a JDK member that is not on tests/java/android_api_26.txt,
# the reviewed list of the JDK classes, methods and fields the binding uses, each one present
# in Android API 26 (minSdk 26, docs/JAVA.md). javac --release 11 keeps the binding to Java 11
# but lets through calls Android lacks (List.of is API 30, java.lang.ref.Cleaner 33, String.strip
# 33): this is what catches them, without an Android SDK. A new member fails the check until
# someone looks up its "Added in API level" on developer.android.com and adds it to the list.
# (Lambdas and string concatenation compile to invokedynamic, which Android's D8 desugars.)
#
#   tests/java/check_android_api.sh <JDK bin dir> <creditmeter.jar> <android_api_26.txt>
set -euo pipefail
jdk_bin="$1" jar="$2" allowed="$3"
classes="$("$jdk_bin/jar" tf "$jar" | sed -n 's|\.class$||p' | tr / . | sort)"
[[ -n "$classes" ]] || { echo "check_android_api: no classes in $jar" >&2; exit 1; }
# shellcheck disable=SC2086 # one argument per class
used="$("$jdk_bin/javap" -c -p -cp "$jar" $classes |
  sed -n -E 's|.*// (Method\|InterfaceMethod\|Field) (java/[^ ]+)$|\2|p; s|.*// class (java/[^ ]+)$|class \1|p' |
  sort -u)"
[[ -n "$used" ]] || { echo "check_android_api: javap found no JDK member in $jar" >&2; exit 1; }
missing="$(comm -23 <(printf '%s\n' "$used") <(grep -v '^#' "$allowed" | sed '/^$/d' | sort -u))"
if [[ -n "$missing" ]]; then
  echo "check_android_api: creditmeter.jar uses JDK members not on $allowed:" >&2
  while IFS= read -r member; do printf '    %s\n' "$member"; done <<<"$missing" >&2
  echo "Android minSdk 26 must have each: check its 'Added in API level' on developer.android.com, then add it to the list (or avoid it)." >&2
  exit 1
fi
echo "check_android_api: $(printf '%s\n' "$used" | wc -l) JDK members used by creditmeter.jar, all on the API 26 list"
