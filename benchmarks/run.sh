#!/usr/bin/env bash
# Runs the benchmarks of BENCHMARKS.md; none of them is part of the test run.
#
#   bash benchmarks/run.sh [startup|profile|connect|inprocess|first|memory|scale|jar|lookup|tracking|syscalls|calls|all]   (default: all)
#
# Builds what is missing (the agent jar, the JMH jar of the bench profile), compiles the process benchmarks
# (benchmarks/src/main/java/io/kaagent/bench/process, plain Java) with javac into benchmarks/target/process-classes,
# and runs them on JDK 17 (`java`) and Temurin 25. Every benchmark prints Markdown tables.
#
# Knobs (environment): BENCH_REBUILD=1 rebuilds the agent first; AGENT_JAR=/path/ka-agent.jar measures that jar
# instead of agent/target/ka-agent.jar; BASELINE_JAR=/path/other.jar runs that jar too, interleaved, in startup,
# first, inprocess, memory and scale (a before/after comparison in one run); JDK25=/path/to/java; RUNS, ROUNDS,
# CYCLES (CALLS for calls) change the sample sizes (see each program's comment), CONNECTIONS the scale benchmark's
# count; EARLY=N has inprocess open N connections at each child's start and keep them (a pool); URING=1 has
# inprocess run this jar with -Dka.agent.io_uring=true too; DELAYS=0,100 limits first to those delays (ms before the
# first connect; default 0,100,2500); LOOKUP_ARGS are passed to the JMH jar (lookup, tracking).
set -euo pipefail
cd "$(dirname "$0")/.."

what="${1:-all}"
case "$what" in
  startup|profile|connect|inprocess|first|memory|scale|jar|lookup|tracking|syscalls|calls|all) ;;
  *) echo "usage: bash benchmarks/run.sh [startup|profile|connect|inprocess|first|memory|scale|jar|lookup|tracking|syscalls|calls|all]" >&2; exit 2 ;;
esac

TARGET=benchmarks/target
CLASSES="$TARGET/process-classes"
SNAPSHOT="$TARGET/agent-snapshot/ka-agent.jar"
PROBE="$TARGET/probe-agent.jar"
WORK="$TARGET/work"
JDK25="${JDK25:-/usr/lib/jvm/temurin-25-jdk-amd64/bin/java}"
JDKS="java"
[ -x "$JDK25" ] && JDKS="java,$JDK25"

valid_agent_jar() {
  # A jar another build is still writing has no central directory yet: listing it fails.
  jar tf "$1" 2>/dev/null | grep -q '^io/kaagent/AgentMain.class$'
}

needs_agent=1
case "$what" in lookup|tracking|calls) needs_agent=0 ;; esac
if [ "$needs_agent" = 1 ]; then
  source_jar="${AGENT_JAR:-agent/target/ka-agent.jar}"
  if [ -z "${AGENT_JAR:-}" ] && { [ "${BENCH_REBUILD:-0}" = 1 ] || [ ! -f agent/target/ka-agent.jar ]; }; then
    echo "building the agent: mvn -B -q -ntp package -DskipTests" >&2
    mvn -B -q -ntp package -DskipTests
  fi
  # A snapshot, so that a rebuild while the benchmarks run cannot swap the jar under them. The file keeps its name.
  mkdir -p "$(dirname "$SNAPSHOT")"
  for attempt in 1 2 3 4 5 6; do
    if valid_agent_jar "$source_jar"; then
      cp "$source_jar" "$SNAPSHOT.tmp"
      if valid_agent_jar "$SNAPSHOT.tmp"; then mv "$SNAPSHOT.tmp" "$SNAPSHOT"; break; fi
    fi
    [ "$attempt" = 6 ] && { echo "$source_jar is not a valid agent jar (a build in progress?)" >&2; exit 1; }
    sleep 20
  done

  rm -rf "$CLASSES"
  mkdir -p "$CLASSES" "$WORK"
  javac -nowarn --release 17 -d "$CLASSES" $(find benchmarks/src/main/java/io/kaagent/bench/process -name '*.java')
  printf 'Premain-Class: io.kaagent.bench.process.ProbeAgent\n' > "$TARGET/probe-manifest.txt"
  jar --create --file "$PROBE" --manifest "$TARGET/probe-manifest.txt" -C "$CLASSES" .

  # ScaleBench holds 10,000 connections in one process (plus its peer's in another): use the hard limit.
  ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
fi

run() {
  java -Dbench.agent="$(pwd)/$SNAPSHOT" -Dbench.classes="$(pwd)/$CLASSES" -Dbench.probe="$(pwd)/$PROBE" \
       -Dbench.jdks="$JDKS" -Dbench.work="$WORK" \
       ${BASELINE_JAR:+-Dbench.baseline=$BASELINE_JAR} ${RUNS:+-Dbench.runs=$RUNS} ${ROUNDS:+-Dbench.rounds=$ROUNDS} ${CYCLES:+-Dbench.cycles=$CYCLES} ${CONNECTIONS:+-Dbench.connections=$CONNECTIONS} ${EARLY:+-Dbench.early=$EARLY} ${URING:+-Dbench.uring=true} ${DELAYS:+-Dbench.delays=$DELAYS} \
       -cp "$CLASSES" "io.kaagent.bench.process.$1"
}

# The JMH benchmarks whose names match $1 (PolicyLookupBenchmark, TrackedSocketsBenchmark).
jmh() {
  if [ ! -f benchmarks/pom.xml ]; then
    echo "$1: benchmarks/pom.xml (the JMH benchmarks) is not there yet; skipped" >&2
    return 0
  fi
  echo "building the JMH jar: mvn -B -q -ntp -Pbench package -DskipTests -pl benchmarks -am" >&2
  mvn -B -q -ntp -Pbench package -DskipTests -pl benchmarks -am
  [ -f benchmarks/target/benchmarks.jar ] || { echo "$1: no benchmarks/target/benchmarks.jar" >&2; return 1; }
  # shellcheck disable=SC2086
  java -jar benchmarks/target/benchmarks.jar "$1" ${LOOKUP_ARGS:--f 1 -wi 3 -i 5 -w 1 -r 1}
}

# The kernel's share of applying a rule, in C: the floor under the per-connection goal.
syscalls() {
  if ! command -v cc >/dev/null 2>&1; then
    echo "syscalls: no C compiler (apt-get install gcc); skipped" >&2
    return 0
  fi
  cc -O2 -o "$TARGET/setsockopt-cost" benchmarks/native/setsockopt_cost.c
  "$TARGET/setsockopt-cost"
  # The same four as one io_uring submission (Linux 6.7+): what batching them would save on a fresh connection.
  cc -O2 -o "$TARGET/uring-setsockopt" benchmarks/native/uring_setsockopt.c
  "$TARGET/uring-setsockopt"
}

# The same four calls from Java, by each way a JVM has of making them (jffi's invoker as the agent calls it, jnr-ffi,
# the JDK's JNI, the foreign function API on JDK 22+): what the agent's native calls cost above the C loop of
# syscalls; and one call into a C function making the four (benchmarks/native/keepalive_in_one_call.c).
calls() {
  local classpath_file="$TARGET/calls-classpath.txt" classes="$TARGET/calls-classes" libraries jdk
  mkdir -p "$TARGET"
  mvn -B -q -ntp -f benchmarks/calls/pom.xml dependency:build-classpath \
      -Dmdep.outputFile="$(pwd)/$classpath_file" -Dmdep.includeScope=runtime
  libraries="$(cat "$classpath_file")"
  rm -rf "$classes"
  mkdir -p "$classes"
  javac -nowarn --release 17 -cp "$libraries" -d "$classes" benchmarks/calls/NativeCallCost.java
  local helper=""
  if command -v cc >/dev/null 2>&1; then
    cc -O2 -fPIC -shared -o "$classes/libkeepalive_in_one_call.so" benchmarks/native/keepalive_in_one_call.c
    helper="-Dbench.helper=$classes"
  fi
  for jdk in ${JDKS//,/ }; do
    "$jdk" --add-opens java.base/sun.nio.ch=ALL-UNNAMED --add-opens java.base/java.io=ALL-UNNAMED \
        --enable-native-access=ALL-UNNAMED ${CALLS:+-Dbench.calls=$CALLS} ${ROUNDS:+-Dbench.rounds=$ROUNDS} $helper \
        -cp "$classes:$libraries" io.kaagent.bench.calls.NativeCallCost
  done
}

case "$what" in
  startup) run StartupBench ;;
  profile) run StartupProfile ;;
  connect) run ConnectLoopBench ;;
  inprocess) run InProcessConnectBench ;;
  first)   run FirstConnectBench ;;
  memory)  run MemoryBench ;;
  scale)   run ScaleBench ;;
  jar)     run JarReport ;;
  lookup)  jmh PolicyLookup ;;
  tracking) jmh TrackedSockets ;;
  syscalls) syscalls ;;
  calls)   calls ;;
  all)
    run JarReport
    run StartupBench
    run StartupProfile
    run FirstConnectBench
    run ConnectLoopBench
    run InProcessConnectBench
    run MemoryBench
    run ScaleBench
    syscalls
    calls
    jmh PolicyLookup
    jmh TrackedSockets
    ;;
esac
