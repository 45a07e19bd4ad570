#!/usr/bin/env bash
# Builds the benchmarks jar and runs the in-process limiter benchmarks. See docs/benchmarks.md.
#
#   benchmarks/run.sh                 JMH InProcessDecisionBenchmark, then the retained-heap measurement
#   benchmarks/run.sh heap [N [R]]    only the retained-heap measurement (N third parties, R rounds)
#   benchmarks/run.sh cost [S [F]]    JVM CPU and context switches per shared operation
#                                     (SharedDecisionCost) against a redis-server it starts on a free
#                                     port and stops: S seconds per mode (10), F operations in flight
#                                     (1, 4 and 32)
#   benchmarks/run.sh cost-on MODE ADDRESSES [S [F]]   the same against servers already running,
#                                     e.g. cluster 127.0.0.1:7201,127.0.0.1:7202,127.0.0.1:7203
#   benchmarks/run.sh [JMH args]      JMH with these arguments, e.g. -h, -l, or
#                                     'InProcessDecisionBenchmark.latency' -p caller=hot
#
# Results of a default run land in benchmarks/target/: jmh-result.json and heap.txt.
set -euo pipefail
cd "$(dirname "$0")/.."

mvn -B -q -pl benchmarks -am -Pbenchmarks package -DskipTests
jar=benchmarks/target/benchmarks.jar

heap() {
  java -XX:+UseSerialGC -Xms512m -Xmx512m -Djdk.attach.allowAttachSelf=true -Djol.magicFieldOffset=true -cp "$jar" network.notifi.sluice.benchmarks.RetainedHeap "$@"
}

if [[ $# -eq 0 ]]; then
  java -jar "$jar" InProcessDecisionBenchmark -rf json -rff benchmarks/target/jmh-result.json
  heap | tee benchmarks/target/heap.txt
elif [[ $1 == heap ]]; then
  shift
  heap "$@"
elif [[ $1 == cost ]]; then
  shift
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  dir=$(mktemp -d)
  redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --dir "$dir" --daemonize yes \
    --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  trap 'redis-cli -p "$port" shutdown nosave >/dev/null 2>&1 || kill "$(cat "$dir/redis.pid")"; rm -rf "$dir"' EXIT
  until redis-cli -p "$port" ping >/dev/null 2>&1; do sleep 0.1; done
  java -cp "$jar" network.notifi.sluice.benchmarks.SharedDecisionCost standalone "127.0.0.1:$port" "$@"
elif [[ $1 == cost-on ]]; then
  shift
  java -cp "$jar" network.notifi.sluice.benchmarks.SharedDecisionCost "$@"
else
  java -jar "$jar" "$@"
fi
