#!/usr/bin/env bash
# Runs one benchmark main from bench/ with the classpath Maven resolved and the JVM options
# Spark needs; builds bench/ and what it depends on first when needed.
#   bench/run.sh <MainClass> [args...]     (MainClass without package, e.g. RunnerThroughputBench)
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
main="$1"; shift
if [[ ! -f bench/target/bench.classpath || -n "${BENCH_REBUILD:-}" ]]; then
  mvn -B -q -DskipTests -pl bench -am install
fi
mapfile -t opens < <(grep -v '^#' bin/spark-java-options)
export SPARK_LOCAL_IP=127.0.0.1
exec java ${BENCH_JAVA_OPTS:--Xmx2g} "${opens[@]}" \
  "-Dspark.jvm.opens=${opens[*]}" \
  -Dkafka.broker.classpath.file="$root/test-support/kafka-broker/target/kafka-broker.classpath" \
  -Dcrds.dir="$root/crds" \
  -cp "bench/target/classes:$(cat bench/target/bench.classpath)" "dev.pipelines.streaming.bench.$main" "$@"
