#!/usr/bin/env bash
# Benchmark 3: the operator against the real kube-apiserver of the test harness (build it
# once with e2e/apiserver/build.sh): apply N pipelines, time until every driver pod exists,
# apply-to-pod latency, the operator's peak RSS.
#   bench/operator-scale.sh [pipelines=1000] [burst | pipelines per second] [operator heap=256m]
exec "$(dirname "$0")/run.sh" OperatorScaleBench "$@"
