#!/usr/bin/env bash
# Load-test harness: loadtest/run.sh [options] SCENARIO...
#
# Starts a 6-node Redis Cluster (redis-server/redis-cli from the PATH, free loopback ports, never
# 6379), three Sluice replicas with SLUICE_REDIS_MODE=cluster and nginx round-robin in front, runs
# the Gatling simulation through nginx, checks the cross-replica bounds from every replica's
# /metrics (each on its own admin port), stops everything it started (also on failure or Ctrl-C) and exits non-zero when a
# Gatling assertion or a check fails. Prints the path of Gatling's HTML report at the end.
#
# Scenarios: global-burst third-party-burst job-limit failure-backoff sustained spike
#            seed   the first four
#            bench  side-by-side ratios with wrk, one replica at a time, no nginx: bare endpoint,
#                   in-process limiter, Redis Cluster admitted and refused; table and raw numbers
#                   in loadtest/target/bench-<time>.md (needs Debian's wrk; perf optional)
#            burst  200 new builds at once with one curl --parallel through nginx, 3 times
#            faults Redis faults under a stream of build starts: the master serving the namespace
#                   SIGKILLed (cluster failover), then every Redis node stopped 30 s; prints the
#                   invariants (accepted, ended, lost 0, duplicates 0, peak running <= cap);
#                   -Dsluice.down.seconds=N -Dsluice.rps=N -Dsluice.cap=N; --short: 8 s down
# Options:   --embedded      one replica, in-process buckets, no Redis, no nginx
#            --short         the short form (the test suite's durations; bench: 5 s rows)
#            --redis none    in-process buckets on every replica (no Redis Cluster)
#            --replicas N    number of replicas (3)
#            --no-nginx      no balancer: each virtual user sends to one replica, in turn
#            --balance B     how nginx picks a replica: round-robin (default) or third-party
#                            (hash of X-Third-Party-ID, consistent; requests without it in turn)
#            --no-build      use the jar and classes as they are
#            --jar FILE      another service jar (default api/target/sluice.jar)
#            --replica-jvm-opts "OPTS"  extra JVM options for every replica (or SLUICE_REPLICA_JAVA_OPTS)
#            --ab-jvm-opts "OPTS"       bench: the cluster rows again on a replica with OPTS added
#            --ab-jar FILE              bench: the cluster rows again on a replica running FILE
#            --ab-env "K=V ..."         bench: the cluster rows again on a replica with these variables
#                                       (e.g. SLUICE_REDIS_HOT_KEY_LEASES_TOKENS=100)
#            --no-perf       bench: no perf stat (syscall and context-switch columns)
#            -Dsluice.K=V    a parameter, e.g. -Dsluice.duration=120 -Dsluice.abusive.rps=50
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"

usage() { sed -n '2,35p' "$0" | sed 's/^# \{0,1\}//'; }
build=1; nginx=1; redis=1; scenarios=()
args=()
while [ $# -gt 0 ]; do
  a="$1"; shift
  case "$a" in
    -h|--help) usage; exit 0 ;;
    --no-build) build=0; continue ;;
    --embedded) nginx=0; redis=0 ;;
    --no-nginx) nginx=0 ;;
    --redis) [ "${1:-}" = none ] && redis=0; args+=("$a" "${1:-}"); shift; continue ;;
    --jar|--replicas|--balance|--work|--results|--replica-jvm-opts|--ab-jvm-opts|--ab-jar|--ab-env) args+=("$a" "${1:-}"); shift; continue ;;
    -*) ;;
    *) scenarios+=("$a") ;;
  esac
  args+=("$a")
done
# the bench talks to the replicas directly: it needs wrk, not nginx
only_bench=1
for s in "${scenarios[@]:-seed}"; do [ "$s" = bench ] || only_bench=0; done
[ "$only_bench" = 1 ] && nginx=0

need() { # need COMMAND DEBIAN-PACKAGE
  command -v "$1" >/dev/null && return 0
  if [ "$(id -u)" = 0 ]; then
    echo "[run.sh] $1 missing: apt-get install -y $2"
    apt-get install -y -q "$2" >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q "$2" >/dev/null; }
  else
    echo "[run.sh] $1 is missing: install Debian's package $2, e.g. sudo apt-get install -y $2" >&2
    exit 2
  fi
}
for s in "${scenarios[@]:-seed}"; do
  case "$s" in
    bench) need wrk wrk ;;
    burst) need curl curl ;;
  esac
done

if [ "$nginx" = 1 ] && ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "[run.sh] nginx missing: apt-get install -y nginx-light"
    apt-get install -y -q nginx-light >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && apt-get install -y -q nginx-light >/dev/null; }
  else
    echo "[run.sh] nginx is missing: install Debian's package nginx-light (or nginx), e.g. sudo apt-get install -y nginx-light" >&2
    exit 2
  fi
fi
if [ "$redis" = 1 ] && ! command -v redis-server >/dev/null; then
  echo "[run.sh] redis-server is missing: install Debian's package redis-server (or run with --embedded)" >&2
  exit 2
fi

if [ "$build" = 1 ]; then
  echo "[run.sh] building the service jar and the simulations"
  nice -n 19 mvn -B -q -pl api,loadtest -am package -DskipTests
fi
if [ "$build" = 1 ] || [ ! -s loadtest/target/classpath.txt ]; then
  nice -n 19 mvn -B -q -f loadtest/pom.xml dependency:build-classpath -Dmdep.includeScope=test \
    -Dmdep.outputFile=target/classpath.txt >/dev/null
fi
CP="loadtest/target/test-classes:$(cat loadtest/target/classpath.txt)"

mkdir -p loadtest/target
PIDS="$(mktemp "${TMPDIR:-/tmp}/sluice-loadtest-pids.XXXXXX")"
hpid=""
cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  if [ -n "$hpid" ] && kill -0 "$hpid" 2>/dev/null; then
    kill -TERM "$hpid" 2>/dev/null || true
    wait "$hpid" 2>/dev/null || true
  fi
  # anything the harness started and could not stop (it was killed hard)
  while read -r pid; do
    [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null && kill -TERM "$pid" 2>/dev/null || true
  done < "$PIDS"
  rm -f "$PIDS"
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

java -cp "$CP" network.notifi.sluice.loadtest.harness.Harness --pid-file "$PIDS" "${args[@]}" &
hpid=$!
set +e
wait "$hpid"
rc=$?
set -e
hpid=""
exit "$rc"
