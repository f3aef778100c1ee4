#!/usr/bin/env bash
# Builds a real Kubernetes control plane (kube-apiserver, kube-controller-manager, etcd) from the
# Go module proxy, once per version, into a cache outside the checkout:
#   ${NOTIFY_KUBE_CACHE:-~/.cache/notification-operator/kube}/<kube>-etcd<etcd>/{kube-apiserver,kube-controller-manager,etcd}
# k8s.io/kubernetes cannot be `go install`ed (its go.mod points every staging module at
# ./staging); a small wrapper module requires it and replaces each staging module v0.0.0 with
# its published v0.<minor>.<patch>. etcd's server module builds the same way.
# Prints the binaries' folder on stdout as its last line; progress goes to stderr.
set -euo pipefail

KUBE_VERSION=1.37.2
ETCD_VERSION=3.7.3
CACHE_ROOT=${NOTIFY_KUBE_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/notification-operator/kube}
DEST="$CACHE_ROOT/$KUBE_VERSION-etcd$ETCD_VERSION"

say() { echo "install-kube: $*" >&2; }
die() { echo "install-kube: $*" >&2; exit 1; }

if [ -x "$DEST/kube-apiserver" ] && [ -x "$DEST/kube-controller-manager" ] && [ -x "$DEST/etcd" ]; then
  echo "$DEST"
  exit 0
fi

command -v go >/dev/null 2>&1 \
  || die "go not found: install Go 1.26 or newer (https://go.dev/doc/install) to build kube-apiserver $KUBE_VERSION and etcd $ETCD_VERSION"

minor=${KUBE_VERSION#*.}
staging_version="v0.${minor}"          # 1.37.2 -> v0.37.2
major=${KUBE_VERSION%%.*}
work=$(mktemp -d "${TMPDIR:-/tmp}/install-kube.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/kube" "$work/etcd" "$DEST.partial"
start=$(date +%s)

# --- kube-apiserver, kube-controller-manager -------------------------------------------------
say "building kube-apiserver and kube-controller-manager v$KUBE_VERSION with $(go version | cut -d' ' -f3) (cold: about 10-20 minutes on 2 cores)"
cd "$work/kube"
go mod init notify.local/kube >/dev/null 2>&1
say "reading k8s.io/kubernetes v$KUBE_VERSION's staging modules"
go mod download -json "k8s.io/kubernetes@v$KUBE_VERSION" >/dev/null
kmod=$(go env GOMODCACHE)/cache/download/k8s.io/kubernetes/@v/v$KUBE_VERSION.mod
[ -f "$kmod" ] || die "k8s.io/kubernetes@v$KUBE_VERSION did not download: is the Go module proxy reachable?"
{
  echo "require k8s.io/kubernetes v$KUBE_VERSION"
  sed -n 's#^[[:space:]]*\(k8s.io/[a-z0-9-]*\) => ./staging/.*#\1#p' "$kmod" \
    | while read -r m; do echo "replace $m => $m $staging_version"; done
} >>go.mod
cat >tools.go <<'EOF'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
)
EOF
say "resolving modules (go mod tidy)"
go mod tidy >/dev/null 2>"$work/tidy.log" || { tail -5 "$work/tidy.log" >&2; die "go mod tidy failed for k8s.io/kubernetes v$KUBE_VERSION"; }
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=v$KUBE_VERSION -X $pkg.gitMajor=$major -X $pkg.gitMinor=${minor%%.*}"
  ldflags="$ldflags -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
for cmd in kube-apiserver kube-controller-manager; do
  say "go build $cmd ($(( $(date +%s) - start )) s so far)"
  CGO_ENABLED=0 go build -trimpath -ldflags "$ldflags" -o "$DEST.partial/$cmd" "k8s.io/kubernetes/cmd/$cmd"
done

# --- etcd -----------------------------------------------------------------------------------
say "building etcd v$ETCD_VERSION ($(( $(date +%s) - start )) s so far)"
cd "$work/etcd"
go mod init notify.local/etcd >/dev/null 2>&1
echo "require go.etcd.io/etcd/server/v3 v$ETCD_VERSION" >>go.mod
cat >tools.go <<'EOF'
//go:build tools

package tools

import _ "go.etcd.io/etcd/server/v3"
EOF
go mod tidy >/dev/null 2>"$work/tidy.log" || { tail -5 "$work/tidy.log" >&2; die "go mod tidy failed for etcd v$ETCD_VERSION"; }
CGO_ENABLED=0 go build -trimpath \
  -ldflags "-s -w -X go.etcd.io/etcd/api/v3/version.GitSHA=v$ETCD_VERSION" \
  -o "$DEST.partial/etcd" go.etcd.io/etcd/server/v3

rm -rf "$DEST"
mv "$DEST.partial" "$DEST"
say "built in $(( $(date +%s) - start )) s: $(du -sh "$DEST" | cut -f1) in $DEST"
echo "$DEST"
