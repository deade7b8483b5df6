#!/usr/bin/env bash
# Builds the runner and operator images without Docker, from the same inputs as
# job-images/*/Dockerfile, and imports them into the node's containerd (up.sh first):
#   docker.io/local/streaming-pipeline-runner:e2e    JRE (Debian, mmdebstrap) + Apache Spark's release
#       jars (the binary distribution's jars/ directory, as PyPI's pyspark sdist ships it: what the
#       apache/spark image has in /opt/spark/jars) + the runner jar and its libraries merged by
#       job-images/runner/merge-jars.sh (as the Dockerfile does) + runner-entrypoint.sh; uid 185
#   docker.io/local/streaming-pipeline-operator:e2e  JRE + the operator jar and libraries; uid 10001,
#       the Dockerfile's java command line
# Needs `mvn -DskipTests package` outputs (job-images/runner/target, operator/target).
# Layers that do not change (JRE, Spark's jars) are cached under ~/.cache/streaming-pipeline-operator.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
R=${SPO_NODE_DIR:-/tmp/spo-node}
CACHE=${SPO_CACHE:-$HOME/.cache/streaming-pipeline-operator}
SOCK=/run/spo-node/containerd/containerd.sock
SPARK_VERSION=$(sed -n 's:.*<spark.version>\(.*\)</spark.version>.*:\1:p' "$ROOT/pom.xml")
BASE=$CACHE/images/src/jre-rootfs.tar
OUT=$R/images
[ -f "$BASE" ] || { echo "missing $BASE: run e2e/node/up.sh first" >&2; exit 1; }
for f in "$ROOT/job-images/runner/target/streaming-pipeline-runner.jar" "$ROOT/operator/target/streaming-pipeline-operator.jar"; do
  [ -f "$f" ] || { echo "missing $f: run mvn -B -DskipTests package first" >&2; exit 1; }
done
mkdir -p "$OUT"

# Spark's distribution: its jars, a RELEASE file (Spark's launcher looks for it) and user spark.
# The jars are Apache Spark's release itself, not a Maven resolution of Spark's modules (which
# picks other versions of shared libraries, e.g. guava 32 where Spark ships 33.6): Spark's release
# process builds the pyspark sdist from the binary distribution, jars/ included, and PyPI serves it
# (through pip, a registry client like mvn). Cached: about 450 MB, once.
dist=$CACHE/spark-dist/pypi-$SPARK_VERSION
if [ ! -f "$dist/layer.tar" ]; then
  rm -rf "$dist"; mkdir -p "$dist/layer/opt/spark/jars" "$dist/layer/opt/spark/conf" "$dist/layer/opt/spark/work-dir" "$dist/layer/etc" "$dist/src"
  venv=$CACHE/pip-venv
  [ -x "$venv/bin/pip" ] || python3 -m venv "$venv"
  "$venv/bin/pip" download -q --no-deps -d "$dist/src" "pyspark==$SPARK_VERSION"
  tar -xzf "$dist/src/pyspark-$SPARK_VERSION.tar.gz" -C "$dist/src" "pyspark-$SPARK_VERSION/deps/jars"
  cp -R "$dist/src/pyspark-$SPARK_VERSION/deps/jars/." "$dist/layer/opt/spark/jars/"
  rm -rf "$dist/src"
  echo "Spark $SPARK_VERSION (Scala 2.13), the release's jars from pyspark $SPARK_VERSION" > "$dist/layer/opt/spark/RELEASE"
  tar -xOf "$BASE" ./etc/passwd > "$dist/layer/etc/passwd"; echo "spark:x:185:185:spark:/opt/spark:/bin/bash" >> "$dist/layer/etc/passwd"
  tar -xOf "$BASE" ./etc/group > "$dist/layer/etc/group"; echo "spark:x:185:" >> "$dist/layer/etc/group"
  chmod 0777 "$dist/layer/opt/spark/work-dir"
  tar --numeric-owner --owner=0 --group=0 -C "$dist/layer" -cf "$dist/layer.tar.tmp" . && mv "$dist/layer.tar.tmp" "$dist/layer.tar"
fi

# The runner: its jar, and its libraries merged into Spark's jars by the Dockerfile's own script
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
mkdir -p "$work/runner/opt/spark/jars" "$work/runner/opt/streaming-pipeline" "$work/spark-jars"
cp "$dist/layer/opt/spark/jars/"*.jar "$work/spark-jars/"
sh "$ROOT/job-images/runner/merge-jars.sh" "$ROOT/job-images/runner/target/lib" "$work/spark-jars"
for jar in "$work/spark-jars/"*.jar; do   # only what the merge added goes into this layer
  [ -f "$dist/layer/opt/spark/jars/$(basename "$jar")" ] || cp "$jar" "$work/runner/opt/spark/jars/"
done
ls "$work/spark-jars" > "$OUT/runner-classpath.txt"   # the image's /opt/spark/jars, for the tests
ls "$dist/layer/opt/spark/jars" > "$OUT/spark-release-jars.txt"   # Spark's release alone, for the tests
cp "$ROOT/job-images/runner/target/streaming-pipeline-runner.jar" "$work/runner/opt/streaming-pipeline/"
install -m 0755 "$HERE/runner-entrypoint.sh" "$work/runner/opt/entrypoint.sh"
tar --numeric-owner --owner=0 --group=0 -C "$work/runner" -cf "$OUT/runner-layer.tar" .
python3 "$HERE/mkoci.py" "$BASE,$dist/layer.tar,$OUT/runner-layer.tar" docker.io/local/streaming-pipeline-runner:e2e \
  "$OUT/runner-oci.tar" --level 1 --entrypoint '["/opt/entrypoint.sh"]' --user 185 --workdir /opt/spark/work-dir \
  --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64 --env SPARK_HOME=/opt/spark --env SPARK_SCALA_VERSION=2.13

# The operator (user 10001 as the Dockerfile's useradd makes it)
mkdir -p "$work/operator/opt/streaming-pipeline-operator" "$work/operator/etc"
tar -xOf "$BASE" ./etc/passwd > "$work/operator/etc/passwd"; echo "operator:x:10001:10001::/nonexistent:/usr/sbin/nologin" >> "$work/operator/etc/passwd"
tar -xOf "$BASE" ./etc/group > "$work/operator/etc/group"; echo "operator:x:10001:" >> "$work/operator/etc/group"
cp -r "$ROOT/operator/target/lib" "$work/operator/opt/streaming-pipeline-operator/lib"
cp "$ROOT/operator/target/streaming-pipeline-operator.jar" "$work/operator/opt/streaming-pipeline-operator/"
tar --numeric-owner --owner=0 --group=0 -C "$work/operator" -cf "$OUT/operator-layer.tar" .
entrypoint=$(sed -n '/^ENTRYPOINT/,/]$/p' "$ROOT/job-images/operator/Dockerfile" | sed 's/^ENTRYPOINT //; s/\\$//' | tr -d '\n' | tr -s ' ')
python3 "$HERE/mkoci.py" "$BASE,$OUT/operator-layer.tar" docker.io/local/streaming-pipeline-operator:e2e \
  "$OUT/operator-oci.tar" --level 1 --entrypoint "$entrypoint" --user 10001 \
  --env JAVA_HOME=/usr/lib/jvm/java-17-openjdk-amd64

for image in runner operator; do
  ctr --address "$SOCK" -n k8s.io images import "$OUT/$image-oci.tar" >/dev/null
done
echo "imported docker.io/local/streaming-pipeline-runner:e2e and docker.io/local/streaming-pipeline-operator:e2e"
