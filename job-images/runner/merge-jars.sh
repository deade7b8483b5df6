#!/bin/sh
# Adds the runner's libraries to a Spark distribution's jars directory: only the libraries Spark
# does not ship (Kafka connector, PostgreSQL driver, picocli, the api module, ...), one copy of
# each, Spark's own versions win. Used by job-images/runner/Dockerfile (on Apache Spark's image)
# and by e2e/node/images.sh (on the same release's jars), so both images get the same set.
# Fails if what it adds would put two versions of one artifact on the classpath. Spark's own set
# is left as the release made it (it ships, e.g., both jline 2 and jline 3, and two hive-shims).
# usage: merge-jars.sh RUNNER_LIB_DIR SPARK_JARS_DIR
set -eu
lib=$1; jars=$2
artifact() { basename "$1" | sed -E 's/-[0-9][^-]*(-[A-Za-z0-9.]+)?\.jar$//'; }
added=""
for jar in "$lib"/*.jar; do
  a=$(artifact "$jar")
  if ! ls "$jars/$a"-[0-9]*.jar >/dev/null 2>&1; then
    cp "$jar" "$jars/"
    added="$added $a"
  fi
done
dupes=$(for a in $added; do echo "$a"; done | sort | uniq -d)
if [ -n "$dupes" ]; then
  echo "merge-jars.sh: more than one version of: $dupes" >&2
  exit 1
fi
