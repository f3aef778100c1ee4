#!/usr/bin/env bash
# Prints the test classpath of a module (its classes, test classes and every dependency), cached
# in target/ so demos and benchmarks start a plain `java` without Maven in the way.
set -euo pipefail
cd "$(dirname "$0")/.."
module=$1
out="$module/target/test-classpath.txt"
if [ ! -s "$out" ] || [ "$module/pom.xml" -nt "$out" ] || [ pom.xml -nt "$out" ]; then
  # -am with compile: the project's own modules (templates, testkit) resolve to their target/classes
  # in this reactor instead of snapshots in ~/.m2 that may be older or absent. Each module writes
  # the file in turn; the named module is built last, so its classpath is what stays.
  JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)} mvn -B -q -ntp -pl "$module" -am compile dependency:build-classpath \
    -Dmdep.includeScope=test -Dmdep.outputFile="$(pwd)/$out" >&2
fi
echo "$module/target/test-classes:$module/target/classes:$(cat "$out")"
