#!/usr/bin/env bash
# make bench-worker [N=3000] [ROUNDS=2] [WARMUP=2000]: worker end to end vs the bare Pub/Sub client, same emulator, same run.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
cp=$(scripts/test-classpath.sh worker)
exec "$JAVA_HOME/bin/java" -cp "$cp" io.vibework.notify.worker.bench.WorkerBenchmark worker/target/worker.jar "${N:-3000}" "${ROUNDS:-2}" "${WARMUP:-2000}"
