#!/bin/bash
# The runner image's entrypoint when it is built without Docker (e2e/node/images.sh): what the
# entrypoint of Apache Spark's image (/opt/entrypoint.sh) does for Spark on Kubernetes, which
# starts the driver pod with `driver <spark-submit args>` and executor pods with `executor` plus
# SPARK_* environment variables. It writes nothing to the root filesystem (read-only in our pods).
set -eo pipefail
export SPARK_HOME=${SPARK_HOME:-/opt/spark} SPARK_SCALA_VERSION=${SPARK_SCALA_VERSION:-2.13}
SPARK_CLASSPATH="${SPARK_CLASSPATH:+$SPARK_CLASSPATH:}${SPARK_CONF_DIR:-$SPARK_HOME/conf}:$SPARK_HOME/jars/*:$PWD"

# What bin/spark-class does: Spark's launcher prints the java command line (heap from the
# properties file, Java 17 module options, classpath), a NUL line first, then NUL-separated args.
launcher_cmd() {
  local delim=$'\n' started=0 arg
  CMD=()
  while IFS= read -r -d "$delim" arg; do
    if [ $started = 1 ]; then CMD+=("$arg")
    elif [ -z "$arg" ]; then started=1; delim=''   # the NUL line: NUL-separated arguments follow
    else echo "$arg"; fi
  done < <(java -Xmx128m -cp "$SPARK_HOME/jars/*" org.apache.spark.launcher.Main "$@")
  [ ${#CMD[@]} -gt 0 ] || { echo "Spark launcher printed no command" >&2; exit 1; }
}

case "$1" in
  driver)
    shift
    launcher_cmd org.apache.spark.deploy.SparkSubmit \
      --conf "spark.driver.bindAddress=$SPARK_DRIVER_BIND_ADDRESS" \
      --conf "spark.executorEnv.SPARK_DRIVER_POD_IP=$SPARK_DRIVER_BIND_ADDRESS" \
      --deploy-mode client "$@"
    exec /usr/bin/tini -s -- "${CMD[@]}"
    ;;
  executor)
    shift
    mapfile -t OPTS < <(env | grep '^SPARK_JAVA_OPT_' | sort -t_ -k4 -n | sed 's/^[^=]*=//')
    exec /usr/bin/tini -s -- java "${OPTS[@]}" -Xms"$SPARK_EXECUTOR_MEMORY" -Xmx"$SPARK_EXECUTOR_MEMORY" \
      -cp "$SPARK_CLASSPATH" org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBackend \
      --driver-url "$SPARK_DRIVER_URL" --executor-id "$SPARK_EXECUTOR_ID" --cores "$SPARK_EXECUTOR_CORES" \
      --app-id "$SPARK_APPLICATION_ID" --hostname "$SPARK_EXECUTOR_POD_IP" \
      --resourceProfileId "$SPARK_RESOURCE_PROFILE_ID" --podName "$SPARK_EXECUTOR_POD_NAME"
    ;;
  *)
    exec /usr/bin/tini -s -- "$@"
    ;;
esac
