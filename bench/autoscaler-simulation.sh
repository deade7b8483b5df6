#!/usr/bin/env bash
# Benchmark 5: the autoscaler against a modelled job: ours vs a CPU-threshold policy vs fixed sizing.
#   bench/autoscaler-simulation.sh [seed]
exec "$(dirname "$0")/run.sh" AutoscalerSimulation "$@"
