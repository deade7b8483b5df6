#!/usr/bin/env bash
# Full-cluster suite for machines with Docker (not run by this repository's CI, which has no
# Docker engine; .github/workflows/e2e-kind.yml runs it on GitHub Actions).
#   kind cluster -> images -> CRD, RBAC, operator -> Kafka -> a pipeline -> output rows ->
#   kill the driver -> the operator restarts it from its checkpoint -> nothing lost.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLUSTER=spo-e2e
N=500
kafka() { kubectl -n e2e exec deploy/kafka -- "$@"; }
produce() { # ids $1..$2 as JSON lines
  seq "$1" "$2" | awk '{printf "{\"id\":%d,\"payload\":\"event-%d\"}\n", $1, $1}' \
    | kafka /opt/kafka/bin/kafka-console-producer.sh --bootstrap-server localhost:9092 --topic events-in
}
distinct_out() {
  kafka /opt/kafka/bin/kafka-console-consumer.sh --bootstrap-server localhost:9092 --topic events-out \
    --from-beginning --timeout-ms 10000 --property print.key=true 2>/dev/null | cut -f1 | sort -u | wc -l
}
at_least_out() { [ "$(distinct_out)" -ge "$1" ]; }
attempt_running() {
  [ "$(kubectl -n e2e get spipe e2e -o jsonpath='{.status.driver.attempt}')" = "$1" ] &&
    [ "$(kubectl -n e2e get spipe e2e -o jsonpath='{.status.phase}')" = Running ]
}
wait_for() { # description, command...
  local what="$1"; shift
  for _ in $(seq 1 120); do "$@" && return 0; sleep 5; done
  echo "timed out: $what" >&2; kubectl -n e2e get spipe,pods -o wide >&2; exit 1
}

trap 'kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true' EXIT
kind create cluster --config e2e/kind/cluster.yaml
mvn -B -q -DskipTests package
docker build -q -f job-images/runner/Dockerfile -t streaming-pipeline-runner:e2e .
docker build -q -f job-images/operator/Dockerfile -t streaming-pipeline-operator:e2e .
kind load docker-image streaming-pipeline-runner:e2e streaming-pipeline-operator:e2e --name "$CLUSTER"

# The operator as users install it: the Helm chart (helm is on GitHub's runners), with the
# images kind just loaded.
helm install spo charts/streaming-pipeline-operator -n streaming-system --create-namespace \
  --set image.repository=streaming-pipeline-operator --set image.tag=e2e --set image.pullPolicy=Never \
  --set runnerImage.repository=streaming-pipeline-runner --set runnerImage.tag=e2e \
  --set 'watchNamespaces={e2e}' --wait --timeout 180s
kubectl -n streaming-system rollout status deploy/spo-streaming-pipeline-operator --timeout=180s

kubectl create namespace e2e
kubectl apply -f e2e/kind/kafka.yaml
kubectl -n e2e rollout status deploy/kafka --timeout=300s
kafka /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 --create --topic events-in --partitions 2
kafka /opt/kafka/bin/kafka-topics.sh --bootstrap-server localhost:9092 --create --topic events-out --partitions 2
produce 1 "$N"

kubectl apply -f e2e/kind/pipeline.yaml
kubectl -n e2e wait spipe/e2e --for=condition=Ready --timeout=600s
wait_for "$N ids out" at_least_out "$N"

echo "killing the driver"
kubectl -n e2e delete pod e2e-driver-1 --wait=false
produce $((N + 1)) $((2 * N))
wait_for "attempt 2 running" attempt_running 2
wait_for "$((2 * N)) ids out" at_least_out $((2 * N))
echo "e2e: passed, $((2 * N)) ids delivered across a driver restart"
