#!/usr/bin/env bash
# Benchmarks 1 and 2: the runner vs a hand-written Spark job on the same Kafka topic and
# query (alternating fresh JVMs), then a plain Kafka consumer on that topic.
#   bench/runner-throughput.sh [records=2000000] [rounds=5]
# BENCH_SPARK_CONF="k=v,k=v" applies Spark settings to both contenders.
exec "$(dirname "$0")/run.sh" RunnerThroughputBench "$@"
