# Everyday verbs. Each target installs what it needs (scripts/install-deps.sh) and picks a JDK 21+
# (scripts/java-home.sh), so `make demo` and `make test` work on a fresh machine.
SHELL := /bin/bash
MVN   := mvn -B -ntp
JAVA_HOME_21 = $(shell scripts/java-home.sh)
# The real control plane's binaries (built once per version into ~/.cache, see scripts/install-kube.sh).
KUBE_BIN = $(shell scripts/install-kube.sh)

.PHONY: kube deps build test fmt fmt-check demo demo-worker bench-worker bench-operator bench-operator-secrets crds clean

deps:
	@scripts/install-deps.sh

# kube-apiserver, kube-controller-manager and etcd from the Go module proxy (cold: ~10 min).
kube:
	@scripts/install-kube.sh >/dev/null

build: deps
	JAVA_HOME=$(JAVA_HOME_21) $(MVN) -q -DskipTests install

test: deps kube fmt-check
	NOTIFY_KUBE_BIN=$(KUBE_BIN) JAVA_HOME=$(JAVA_HOME_21) $(MVN) install

# One formatter (google-java-format through Spotless) for every module.
fmt:
	JAVA_HOME=$(JAVA_HOME_21) $(MVN) -q spotless:apply

# Offline after the first build: the formatter comes from the Maven cache.
fmt-check:
	@out=$$(JAVA_HOME=$(JAVA_HOME_21) $(MVN) -q -fae spotless:check 2>&1) \
	  || { printf '%s\n' "$$out" | grep -E '^\[ERROR\] +src/' | head -20; \
	       echo "code is not formatted: run 'make fmt' to fix it"; exit 1; }

# The whole system with no cluster: a real control plane on loopback, kubectl apply of crds/ and examples/, operator, workers.
demo: build kube
	NOTIFY_KUBE_BIN=$(KUBE_BIN) JAVA_HOME=$(JAVA_HOME_21) scripts/system-demo.sh

# Only the worker, on local services, with a handful of events.
demo-worker: build
	JAVA_HOME=$(JAVA_HOME_21) scripts/demo.sh

bench-worker: build
	JAVA_HOME=$(JAVA_HOME_21) scripts/bench-worker.sh

bench-operator: build kube
	NOTIFY_KUBE_BIN=$(KUBE_BIN) JAVA_HOME=$(JAVA_HOME_21) scripts/bench-operator.sh

bench-operator-secrets: build
	JAVA_HOME=$(JAVA_HOME_21) scripts/bench-operator-secrets.sh

# Regenerate crds/ from the Java model (a test fails when they differ).
# CrdsUpToDateTest writes them: the generator's output plus CrdSchemaPatches (list-type map etc.).
crds: deps
	JAVA_HOME=$(JAVA_HOME_21) $(MVN) -q -pl operator -am test -Dtest=CrdsUpToDateTest -Dsurefire.failIfNoSpecifiedTests=false -Dcrds.write=true
	cp crds/*.yml helm/notification-operator/crds/

clean:
	$(MVN) -q clean
