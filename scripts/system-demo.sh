#!/usr/bin/env bash
# The whole system on a real control plane (see e2e's SystemDemo): local services, etcd +
# kube-apiserver + kube-controller-manager on loopback, a minimal kubelet,
# kubectl apply of crds/ and examples/, operator.jar, worker.jar processes for the pods of the operator's
# Deployment, notifications in, emails out. Needs `make build` first. Extra arguments go to
# SystemDemo, e.g. --wait to keep it running for your own kubectl (Ctrl-C stops everything).
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
export JAVA_HOME
cp=$(scripts/test-classpath.sh e2e)
exec "$JAVA_HOME/bin/java" -cp "$cp" io.vibework.notify.e2e.SystemDemo \
  --worker-jar worker/target/worker.jar --operator-jar operator/target/operator.jar "$@"
