#!/usr/bin/env bash
# The whole system with no cluster (see e2e's SystemDemo): local services, a local Kubernetes API,
# kubectl apply of crds/ and examples/, operator.jar, worker.jar processes run from the operator's
# Deployment, notifications in, emails out. Needs `make build` first. Extra arguments go to
# SystemDemo, e.g. --wait to keep it running for your own kubectl (Ctrl-C stops everything).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
export JAVA_HOME
cp=$(scripts/test-classpath.sh e2e)
exec "$JAVA_HOME/bin/java" -cp "$cp" io.vibework.notify.e2e.SystemDemo \
  --worker-jar worker/target/worker.jar --operator-jar operator/target/operator.jar "$@"
