#!/usr/bin/env bash
# The autoscaler against a modelled job: ours vs a CPU-threshold policy vs fixed sizing.
#   bench/autoscaler-simulation.sh [seed]
set -euo pipefail
cd "$(dirname "$0")/.."
[ -f bench/target/bench.classpath ] || mvn -B -q -DskipTests -pl bench -am package
exec java -cp "bench/target/classes:$(cat bench/target/bench.classpath)" dev.pipelines.streaming.bench.AutoscalerSimulation "$@"
