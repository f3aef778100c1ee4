#!/usr/bin/env bash
# Installs what the tests and the demo need, when it is missing. Idempotent.
#   apt:  redis-server, mariadb-server (the distro services are left stopped:
#         tests start their own servers), nodejs + npm when npm is missing,
#         prometheus for promtool (the chart's alert rules are unit-tested with it; the
#         Prometheus server it also installs is left stopped)
#   npm:  aws-ses-v2-local into <repo>/.local/ses
#   checks: the Pub/Sub emulator and kubectl (Google Cloud SDK packages) and a JDK 21+
# Prints "deps ok" and nothing else when everything is already present.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SES_VERSION=2.10.2
SES_DIR="$ROOT/.local/ses"
PUBSUB_EMULATOR=/usr/lib/google-cloud-sdk/platform/pubsub-emulator/bin/cloud-pubsub-emulator

say() { echo "install-deps: $*"; }
die() { echo "install-deps: $*" >&2; exit 1; }

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

have_bin() {  # name: found on PATH or in the sbin dirs apt uses
  command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/usr/bin/$1" ]
}

stop_service() {  # name: stop the distro service if the package started it
  local svc="$1"
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    $SUDO systemctl stop "$svc" >/dev/null 2>&1 || true
    $SUDO systemctl disable "$svc" >/dev/null 2>&1 || true
  elif command -v service >/dev/null 2>&1; then
    $SUDO service "$svc" stop >/dev/null 2>&1 || true
  fi
}

# --- apt packages ---------------------------------------------------------
apt_missing=()
have_bin redis-server || apt_missing+=(redis-server)
{ have_bin mariadbd && have_bin mariadb-install-db; } || apt_missing+=(mariadb-server)
{ have_bin node && have_bin npm; } || apt_missing+=(nodejs npm)
have_bin promtool || apt_missing+=(prometheus)

if [ ${#apt_missing[@]} -gt 0 ]; then
  command -v apt-get >/dev/null 2>&1 \
    || die "missing ${apt_missing[*]} and no apt-get here: install them with your package manager"
  say "installing ${apt_missing[*]} (apt)"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq "${apt_missing[@]}" >/dev/null
  # The packages' postinst may start the distro services; tests run their own.
  for pkg in "${apt_missing[@]}"; do
    case "$pkg" in
      redis-server)   stop_service redis-server ;;
      mariadb-server) stop_service mariadb; stop_service mysql ;;
      prometheus)     stop_service prometheus; stop_service prometheus-node-exporter ;;
    esac
  done
fi

# --- npm: local SES emulator -------------------------------------------------
ses_installed_version() {
  local pj="$SES_DIR/node_modules/aws-ses-v2-local/package.json"
  [ -f "$pj" ] || return 0
  sed -n 's/^[[:space:]]*"version":[[:space:]]*"\([^"]*\)".*/\1/p' "$pj" | head -n 1
}
ses_installed=false
if [ "$(ses_installed_version)" != "$SES_VERSION" ]; then
  command -v npm >/dev/null 2>&1 \
    || die "npm not found: install Node.js (apt-get install -y nodejs npm), then rerun $0"
  say "installing aws-ses-v2-local@$SES_VERSION into .local/ses (npm)"
  mkdir -p "$SES_DIR"
  npm install --prefix "$SES_DIR" --no-audit --no-fund --loglevel=error \
    "aws-ses-v2-local@$SES_VERSION" >/dev/null
  [ "$(ses_installed_version)" = "$SES_VERSION" ] || die "npm did not install aws-ses-v2-local@$SES_VERSION"
  ses_installed=true
fi

# --- Pub/Sub emulator (not installable from here) ----------------------------
if [ ! -x "$PUBSUB_EMULATOR" ]; then
  die "Pub/Sub emulator not found at $PUBSUB_EMULATOR: install the Debian package google-cloud-cli-pubsub-emulator from the Google Cloud SDK apt repo (https://cloud.google.com/sdk/docs/install#deb)"
fi

# --- kubectl, for the whole-system demo and its test (not installable from here) ---
if ! command -v kubectl >/dev/null 2>&1 && [ -z "${KUBECTL:-}" ]; then
  die "kubectl not found: install the Debian package kubectl from the Google Cloud SDK apt repo (same as the emulator) or https://kubernetes.io/docs/tasks/tools/, or set KUBECTL"
fi

# --- JDK 21+ --------------------------------------------------------------
"$ROOT/scripts/java-home.sh" >/dev/null || exit 1

if [ ${#apt_missing[@]} -gt 0 ] || [ "$ses_installed" = true ]; then
  say "done"
fi
echo "deps ok"
