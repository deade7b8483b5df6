#!/usr/bin/env bash
# The real-node scenarios (e2e/node-tests: PipelineOnRealNodeTest, KafkaOnRealNodeTest, ...) on a
# kind cluster, for machines with Docker. This repository's CI has no Docker engine and runs the
# same scenarios on its own node (e2e/node); .github/workflows/e2e-kind.yml runs this on GitHub.
#   kind cluster (volumes dir mounted) -> images from the Dockerfiles -> kind load ->
#   mvn test in e2e/node-tests with SPO_E2E_CLUSTER=kind (the tests install the operator with
#   the Helm chart, start Kafka on the host where pods reach it, and check what a user sees).
set -euo pipefail
cd "$(dirname "$0")/../.."
CLUSTER=spo-e2e
export SPO_NODE_DIR=/tmp/spo-kind
mkdir -p "$SPO_NODE_DIR/volumes" && chmod 0777 "$SPO_NODE_DIR/volumes"

trap 'kind delete cluster --name "$CLUSTER" >/dev/null 2>&1 || true' EXIT
kind create cluster --config e2e/kind/cluster.yaml
mvn -B -q -DskipTests install
docker build -q -f job-images/runner/Dockerfile -t docker.io/local/streaming-pipeline-runner:e2e .
docker build -q -f job-images/operator/Dockerfile -t docker.io/local/streaming-pipeline-operator:e2e .
kind load docker-image docker.io/local/streaming-pipeline-runner:e2e docker.io/local/streaming-pipeline-operator:e2e \
  --name "$CLUSTER"

# The jar sets RunnerImageClasspathTest compares: apache/spark's /opt/spark/jars (the release as the
# Docker image has it), the runner image built on it, and the same release as PyPI's pyspark
# carries it (what e2e/node/images.sh builds on without Docker): the two release copies must match.
SPARK_VERSION=$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' pom.xml)
mkdir -p "$SPO_NODE_DIR/images"
docker run --rm --entrypoint ls "$(sed -n 's/^FROM //p' job-images/runner/Dockerfile)" /opt/spark/jars \
  > "$SPO_NODE_DIR/images/spark-release-jars.txt"
docker run --rm --entrypoint ls docker.io/local/streaming-pipeline-runner:e2e /opt/spark/jars \
  > "$SPO_NODE_DIR/images/runner-classpath.txt"
python3 -m venv "$SPO_NODE_DIR/venv"
"$SPO_NODE_DIR/venv/bin/pip" download -q --no-deps -d "$SPO_NODE_DIR/pypi" "pyspark==$SPARK_VERSION"
tar -tzf "$SPO_NODE_DIR/pypi/pyspark-$SPARK_VERSION.tar.gz" | sed -n 's#^pyspark-[^/]*/deps/jars/\([^/]*\)/*$#\1#p' \
  | grep -v '^$' | sort -u > "$SPO_NODE_DIR/images/pypi-release-jars.txt"

KUBECONFIG=$(mktemp)
export KUBECONFIG
kind get kubeconfig --name "$CLUSTER" > "$KUBECONFIG"
# pods reach the host at the kind network's IPv4 gateway (the Kafka broker the tests start binds it)
SPO_E2E_HOST_IP=$(docker network inspect kind -f '{{range .IPAM.Config}}{{.Gateway}} {{end}}' \
  | tr ' ' '\n' | grep -E '^[0-9]+(\.[0-9]+){3}$' | sed -n 1p)
export SPO_E2E_HOST_IP SPO_E2E_CLUSTER=kind
mvn -B -pl e2e/node-tests test
