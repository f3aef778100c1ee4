#!/usr/bin/env bash
# Prints the home directory of a JDK 21 or newer.
# Order: $JAVA_HOME, then /usr/lib/jvm/* (highest version first), then `java` on PATH.
# Exits 1 with one line on stderr when none is found.
set -u

# java_major HOME -> prints the feature version of $HOME/bin/java, or nothing.
java_major() {
  local java="$1/bin/java" line v
  [ -x "$java" ] || return 1
  # "openjdk version "25.0.1" ..." / "java version "1.8.0_..."
  line=$("$java" -version 2>&1 | head -n 1) || return 1
  v=$(printf '%s\n' "$line" | sed -n 's/.*version "\([^"]*\)".*/\1/p')
  [ -n "$v" ] || return 1
  case "$v" in
    1.*) v=${v#1.} ;;
  esac
  printf '%s\n' "${v%%[.+-]*}"
}

# is_jdk HOME -> true when HOME is a JDK (has javac) of version 21+.
is_jdk21() {
  local home="$1" major
  [ -n "$home" ] && [ -x "$home/bin/javac" ] || return 1
  major=$(java_major "$home") || return 1
  [ -n "$major" ] && [ "$major" -ge 21 ] 2>/dev/null
}

if [ -n "${JAVA_HOME:-}" ] && is_jdk21 "$JAVA_HOME"; then
  printf '%s\n' "${JAVA_HOME%/}"
  exit 0
fi

if [ -d /usr/lib/jvm ]; then
  best="" best_major=0
  for home in /usr/lib/jvm/*; do
    [ -d "$home" ] || continue
    [ -L "$home" ] && continue   # skip aliases such as default-java
    is_jdk21 "$home" || continue
    major=$(java_major "$home")
    if [ "$major" -gt "$best_major" ]; then
      best="$home" best_major="$major"
    fi
  done
  if [ -n "$best" ]; then
    printf '%s\n' "$best"
    exit 0
  fi
fi

if command -v java >/dev/null 2>&1; then
  java_bin=$(readlink -f "$(command -v java)")
  home=$(dirname "$(dirname "$java_bin")")
  if is_jdk21 "$home"; then
    printf '%s\n' "$home"
    exit 0
  fi
fi

echo "no JDK 21+ found: install one, e.g. apt-get install -y openjdk-21-jdk-headless, or set JAVA_HOME" >&2
exit 1
