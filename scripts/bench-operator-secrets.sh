#!/usr/bin/env bash
# make bench-operator-secrets [SECRETS=1000] [KIB=100]: heap the operator gains, after a full GC,
# from SECRETS unrelated Secrets of KIB KiB in a watched namespace (mock API server in its own JVM).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
export JAVA_HOME
mvn -B -q -ntp -pl operator test-compile >&2
cp=$(scripts/test-classpath.sh operator)
exec "$JAVA_HOME/bin/java" -Xmx512m -Dlogback.configurationFile=operator/src/test/resources/logback-bench.xml \
  -cp "$cp" io.vibework.notify.operator.bench.SecretMemoryBenchmark "${SECRETS:-1000}" "${KIB:-100}"
