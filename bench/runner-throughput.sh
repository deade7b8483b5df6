#!/usr/bin/env bash
# Benchmarks 1 and 2: the runner vs a hand-written Spark job on the same Kafka topic and
# query, and that job with Spark's own defaults (fresh JVMs, rotating order); then a plain
# Kafka consumer on that topic.
#   bench/runner-throughput.sh [records=2000000] [rounds=5]
# BENCH_SPARK_CONF="k=v,k=v" applies Spark settings to the runner and the hand-written job (not to
# the spark-guide baseline, which keeps Spark's defaults).
# BENCH_CONTENDERS="runner,runner-unguarded" picks contenders (runner-unguarded: maxAhead off;
# hand-written always runs); BENCH_MAX_AHEAD sets the "runner" contender's maxAhead.
exec "$(dirname "$0")/run.sh" RunnerThroughputBench "$@"
