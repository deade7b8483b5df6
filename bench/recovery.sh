#!/usr/bin/env bash
# Benchmark 4: a runner SIGKILLed three times while writing to files and PostgreSQL: time to
# its first batch after each restart, and rows lost or duplicated (must be 0).
#   bench/recovery.sh [events=6000] [rowsPerSecond=200]
exec "$(dirname "$0")/run.sh" RecoveryBench "$@"
