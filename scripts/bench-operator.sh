#!/usr/bin/env bash
# make bench-operator [N=1000] [QUIET=60] [PROBE=10] [PER_NAMESPACE=100]: N pipelines, PER_NAMESPACE to a namespace with its CacheConfig and Secrets, on the real control plane
# (kube-apiserver, etcd, kube-controller-manager, LocalKubelet). Prints the create time, seconds until all are Ready, API writes
# per pipeline, writes during a quiet period, and the operator JVM's heap after a full GC.
# XMX (default 512m) sizes the JVM, which also holds the kubelet's and the driver's caches during the
# burst (N=10000: XMX=3g). MAX_WAIT (default 3600) caps the wait for Ready, in seconds. JFR=file.jfr records a flight recording of the whole run. HISTOGRAM=25
# prints the 25 classes holding most of the measured heap.
set -euo pipefail
cd "$(dirname "$0")/.."
JAVA_HOME=${JAVA_HOME:-$(scripts/java-home.sh)}
export JAVA_HOME
mvn -B -q -ntp -pl operator test-compile >&2
cp=$(scripts/test-classpath.sh operator)
# The mock's stdout carries only its port; keep JSON logs of the operator off the figures.
jfr=()
if [[ -n "${JFR:-}" ]]; then
  jfr=("-XX:StartFlightRecording=filename=${JFR},settings=profile")
fi
# JVM_OPTS: more options for the operator's JVM (say -XX:+UseStringDeduplication, as the image sets).
# shellcheck disable=SC2086
exec "$JAVA_HOME/bin/java" "-Xmx${XMX:-512m}" ${JVM_OPTS:-} "${jfr[@]}" -Dlogback.configurationFile=operator/src/test/resources/logback-bench.xml \
  -cp "$cp" io.vibework.notify.operator.bench.OperatorBenchmark "${N:-1000}" "${QUIET:-60}" "${PROBE:-10}"
