#!/usr/bin/env bash
# The main job in one command: an unmodified JVM application with and without ka-agent, and the keepalive settings
# the kernel reports for each of its connections, side by side (README, "See it work").
#
#   ./demo.sh                      # builds first if the jars are missing or older than the sources
#   ./demo.sh path/to/policy.yml   # the same with another policy (it must match loopback: the database runs there)
#
# Needs Linux (the table is read from /proc and with pidfd_getfd), JDK 17+ as `java`, and Maven to build.
# Runs as root or not; no network namespace, no open port beyond loopback.
set -euo pipefail
cd "$(dirname "$0")"

AGENT=agent/target/ka-agent.jar
SAMPLES=sample-apps/target/sample-apps.jar
POLICY=${1:-examples/demo.yml}

if ! command -v java >/dev/null 2>&1; then
  echo "demo.sh: no 'java' on PATH (JDK 17 or newer needed)" >&2
  exit 1
fi
java_major=$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java\.specification\.version = //p')
if [ "${java_major%%.*}" -lt 17 ] 2>/dev/null; then
  echo "demo.sh: the sample applications need JDK 17 or newer; 'java' is $java_major" >&2
  exit 1
fi
if [ "$(uname -s)" != Linux ]; then
  echo "demo.sh: the demo reads sockets through /proc and pidfd_getfd: Linux only" >&2
  exit 1
fi

# Build only when a jar is missing or older than anything it is built from.
stale() { # jar, sources...
  local jar=$1; shift
  [ ! -f "$jar" ] || [ -n "$(find "$@" -newer "$jar" -type f -print -quit 2>/dev/null)" ]
}
if stale "$AGENT" agent/src agent/pom.xml pom.xml || stale "$SAMPLES" sample-apps/src sample-apps/pom.xml pom.xml; then
  echo "demo.sh: building (mvn -B -q -ntp package -DskipTests) ..." >&2
  mvn -B -q -ntp package -DskipTests >&2
fi

exec java -cp "$SAMPLES" io.kaagent.samples.demo.Demo "$AGENT" "$POLICY"
