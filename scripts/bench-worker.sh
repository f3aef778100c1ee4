#!/usr/bin/env bash
# make bench-worker [N=3000] [ROUNDS=2] [WARMUP=50000] [LATENCY_N=1000] [WORKER_JAR=worker/target/worker.jar]:
# the worker end to end vs the bare Pub/Sub client, same emulator, same run; then LATENCY_N messages
# at 100 msg/s for publish->sent latency, and a check of exactly one email per notification.
# BENCH_TEMPLATES=1 also runs each round's worker with the built-in templates as a mounted directory (EMAIL_TEMPLATES_DIR) and prints the CPU ratio.
# WARMUP caps the worker's warm-up: 500 messages at a time, each lot once the last is acked, at least
# 30000 (capped by WARMUP), then until its JIT compiler threads use < 10% of its CPU over each of 2 lots in a row (the bare client warms
# up on at most 2000).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
# testkit from this checkout (target/classes), not a snapshot in ~/.m2 that may be older
cp=testkit/target/classes:$(scripts/test-classpath.sh worker)
exec "$JAVA_HOME/bin/java" -cp "$cp" io.vibework.notify.worker.bench.WorkerBenchmark "${WORKER_JAR:-worker/target/worker.jar}" "${N:-3000}" "${ROUNDS:-2}" "${WARMUP:-50000}" "${LATENCY_N:-1000}"
