#!/usr/bin/env bash
# make demo: runs the worker end to end on local services (see WorkerDemo). Needs `make build` first.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
cp=$(scripts/test-classpath.sh worker)
exec "$JAVA_HOME/bin/java" -cp "$cp" io.vibework.notify.worker.demo.WorkerDemo worker/target/worker.jar
