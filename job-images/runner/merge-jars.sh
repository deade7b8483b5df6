#!/bin/sh
# Adds the runner's libraries to a Spark distribution's jars directory: only the libraries Spark
# does not ship (Kafka connector, PostgreSQL driver, picocli, the api module, ...), one copy of
# each, Spark's own versions win. Used by job-images/runner/Dockerfile (on Apache Spark's image)
# and by e2e/node/images.sh (on Spark's jars from Maven Central), so both images get the same set.
# Fails if the result holds two versions of one artifact (two jars on one classpath).
# usage: merge-jars.sh RUNNER_LIB_DIR SPARK_JARS_DIR
set -eu
lib=$1; jars=$2
artifact() { basename "$1" | sed -E 's/-[0-9][^-]*(-[A-Za-z0-9.]+)?\.jar$//'; }
for jar in "$lib"/*.jar; do
  a=$(artifact "$jar")
  ls "$jars/$a"-[0-9]*.jar >/dev/null 2>&1 || cp "$jar" "$jars/"
done
dupes=$(for jar in "$jars"/*.jar; do artifact "$jar"; done | sort | uniq -d)
if [ -n "$dupes" ]; then
  echo "merge-jars.sh: more than one version of: $dupes" >&2
  exit 1
fi
