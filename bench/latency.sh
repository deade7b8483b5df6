#!/usr/bin/env bash
# Benchmark 6: end-to-end latency of a stateless Kafka -> filter/select -> Kafka pipeline:
# the runner with the default trigger, a 100 ms processing-time trigger and real-time mode,
# and a hand-written Spark job in real-time mode, one after another in one run.
#   bench/latency.sh [records per second=200] [seconds measured=30] [warm-up seconds=40]
exec "$(dirname "$0")/run.sh" LatencyBench "$@"
