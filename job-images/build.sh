#!/usr/bin/env bash
# Builds and tags both images from the repository root: the runner (on Apache Spark's image)
# and the operator (slim JRE). Needs Docker (or a compatible CLI via DOCKER=podman).
#   job-images/build.sh [tag=dev] [registry prefix, e.g. ghcr.io/streaming-pipelines/]
#   PUSH=1 job-images/build.sh 0.1.0 ghcr.io/streaming-pipelines/
set -euo pipefail
cd "$(dirname "$0")/.."
tag="${1:-dev}"
prefix="${2:-}"
docker="${DOCKER:-docker}"

mvn -B -q -DskipTests -pl job-images/runner,operator -am package
job-images/check-image-inputs.sh
for image in runner operator; do
  name="${prefix}streaming-pipeline-${image}:${tag}"
  "$docker" build -f "job-images/${image}/Dockerfile" -t "$name" .
  if [[ -n "${PUSH:-}" ]]; then "$docker" push "$name"; fi
  echo "built $name"
done
