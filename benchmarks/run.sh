#!/usr/bin/env bash
# Builds the benchmarks jar and runs the in-process limiter benchmarks. See docs/benchmarks.md.
#
#   benchmarks/run.sh                 JMH InProcessDecisionBenchmark, then the retained-heap measurement
#   benchmarks/run.sh heap [N [R]]    only the retained-heap measurement (N third parties, R rounds)
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
else
  java -jar "$jar" "$@"
fi
