package dev.pipelines.streaming.operator.driver;

/** Names and labels of what the operator creates for a pipeline; one place so they never drift. */
public final class DriverNames {
  public static final String LABEL_PIPELINE = "streaming.pipelines.dev/pipeline";
  public static final String LABEL_ATTEMPT = "streaming.pipelines.dev/attempt";
  public static final String LABEL_GENERATION = "streaming.pipelines.dev/generation";
  /** On the spec ConfigMap: the checkpoint epoch the recorded spec was handed to. */
  public static final String ANNOTATION_EPOCH = "streaming.pipelines.dev/checkpoint-epoch";
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "streaming-pipeline-operator";
  /** Spark's own label on driver and executor pods. */
  public static final String SPARK_ROLE = "spark-role";
  public static final String SPEC_FILE = "pipeline.yaml";
  public static final String SPEC_MOUNT = "/etc/streaming-pipeline";
  public static final String RUNNER_JAR = "local:///opt/streaming-pipeline/streaming-pipeline-runner.jar";
  public static final String RUNNER_MAIN = "dev.pipelines.streaming.runner.RunnerCli";
  public static final int CONTROL_PORT = 8090;

  private DriverNames() {}

  public static String driverPod(String pipeline, int attempt) {
    return pipeline + "-driver-" + attempt;
  }

  /** Prefix of Spark's per-attempt resources (driver service, executor pods). */
  public static String resourcePrefix(String pipeline, int attempt) {
    return pipeline + "-a" + attempt;
  }

  public static String specConfigMap(String pipeline) {
    return pipeline + "-spec";
  }

  public static String serviceAccount(String pipeline) {
    return pipeline + "-driver";
  }

  public static String service(String pipeline) {
    return pipeline + "-driver";
  }

  /** Secret holding the bearer token of the driver's control endpoint. */
  public static String controlSecret(String pipeline) {
    return pipeline + "-control";
  }

  public static final String CONTROL_TOKEN_KEY = "token";
  public static final String CONTROL_TOKEN_ENV = "SPO_CONTROL_TOKEN";

  public static String checkpointClaim(String pipeline) {
    return pipeline + "-checkpoints";
  }
}
