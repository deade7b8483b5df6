#!/usr/bin/env bash
# Benchmark 5b, on the real node (e2e/node; needs root): the autoscaling step run of the test
# suite (AutoscalingOnRealNodeTest: 4-partition topic, 1..3 executors of half a core, a 1,000,000-record burst
# read at most 150,000 per 5-second batch, then a trickle). Prints the executor-pod / backlog timeline
# and a RESULT line with the time to catch up (burst sent -> backlog under 1,000) and the pod
# counts. Keeps the node up (SPO_NODE_KEEP=1). The modelled run is bench/autoscaler-simulation.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
SPO_NODE_KEEP=1 mvn -B -q -pl e2e/node-tests -am test -Dtest=AutoscalingOnRealNodeTest \
  -Dsurefire.failIfNoSpecifiedTests=false -Dsurefire.printSummary=false -DtrimStackTrace=false
timeline=e2e/node-tests/target/autoscaling-timeline.txt
cat "$timeline"
awk 'NR > 1 {
       if ($2 > peak) peak = $2
       if ($6 != "null" && $6 > 1000) { behind = 1; last_behind = $1 }
       if (behind && $6 != "null" && $6 < 1000 && !caught) caught = $1
       final = $2
     }
     END { printf "RESULT catch-up %s s (backlog under 1,000 after the burst), executor pods: peak %d, final %d\n", caught ? caught : "never", peak, final }' "$timeline"
