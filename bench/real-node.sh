#!/usr/bin/env bash
# On the real node (e2e/node; needs root): apply → first committed batch, and a deleted driver →
# the next attempt's first committed batch, each split into operator/backoff, pod start, JVM start
# and Spark's own share. Prints a table; asserts nothing. Keeps the node up (SPO_NODE_KEEP=1).
set -euo pipefail
cd "$(dirname "$0")/.."
SPO_NODE_KEEP=1 mvn -B -q -pl e2e/node-tests -am test -Dtest=RealNodeStartBench -Dsurefire.failIfNoSpecifiedTests=false \
  -Dsurefire.printSummary=false -DtrimStackTrace=false
