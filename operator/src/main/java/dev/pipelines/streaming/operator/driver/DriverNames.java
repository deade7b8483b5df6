package dev.pipelines.streaming.operator.driver;

/** Names and labels of what the operator creates for a pipeline; one place so they never drift. */
public final class DriverNames {
  public static final String LABEL_PIPELINE = "streaming.pipelines.dev/pipeline";
  public static final String LABEL_ATTEMPT = "streaming.pipelines.dev/attempt";
  public static final String LABEL_GENERATION = "streaming.pipelines.dev/generation";
  /** On the spec ConfigMap: the checkpoint epoch the recorded spec was handed to. */
  public static final String ANNOTATION_EPOCH = dev.pipelines.streaming.api.SpecRecordNames.ANNOTATION_EPOCH;
  public static final String LABEL_MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGED_BY = "streaming-pipeline-operator";
  /** Spark's own label on driver and executor pods. */
  public static final String SPARK_ROLE = "spark-role";
  public static final String SPEC_FILE = dev.pipelines.streaming.api.SpecRecordNames.SPEC_FILE;
  public static final String SPEC_MOUNT = "/etc/streaming-pipeline";
  public static final String RUNNER_JAR = "local:///opt/streaming-pipeline/streaming-pipeline-runner.jar";
  public static final String RUNNER_MAIN = "dev.pipelines.streaming.runner.RunnerCli";
  public static final int CONTROL_PORT = 8090;

  private DriverNames() {}

  public static String driverPod(String pipeline, int attempt) {
    return pipeline + "-driver-" + attempt;
  }

  /**
   * Prefix of Spark's per-attempt resources (driver service, executor pods, and Spark's app id
   * {@code spark-<prefix>}, which Spark puts in the {@code spark-app-selector} label: at most 63
   * characters). Long pipeline names (up to 63 characters are allowed) are shortened with a hash
   * so that every derived name and label stays valid and still unique.
   */
  public static String resourcePrefix(String pipeline, int attempt) {
    return fit(pipeline, "-a" + attempt, MAX_PREFIX);
  }

  /**
   * Longest resource prefix: Spark refuses executor pod name prefixes over 47 characters, and
   * then "spark-" + prefix (a label value) and prefix + "-driver-svc" (a DNS label) fit in 63.
   */
  static final int MAX_PREFIX = 47;
  static final int DNS_LABEL = 63;

  /**
   * {@code base + suffix} when it fits in {@code max} characters; otherwise base cut short,
   * a dash and 8 hex characters of base's SHA-256, then the suffix (same input, same name).
   */
  static String fit(String base, String suffix, int max) {
    if (base.length() + suffix.length() <= max) {
      return base + suffix;
    }
    String hash = java.util.HexFormat.of().formatHex(sha256(base)).substring(0, 8);
    String head = base.substring(0, max - suffix.length() - hash.length() - 1);
    head = head.endsWith("-") ? head.substring(0, head.length() - 1) + "x" : head;
    return head + "-" + hash + suffix;
  }

  private static byte[] sha256(String s) {
    try {
      return java.security.MessageDigest.getInstance("SHA-256").digest(s.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  public static String specConfigMap(String pipeline) {
    return dev.pipelines.streaming.api.SpecRecordNames.configMap(pipeline);
  }

  public static String serviceAccount(String pipeline) {
    return pipeline + "-driver";
  }

  /** The executors' service account: no Role bound, no token mounted. */
  public static String executorServiceAccount(String pipeline) {
    return pipeline + "-executor";
  }

  /** The driver's control Service: a DNS label, so shortened like {@link #resourcePrefix} past 63 characters. */
  public static String service(String pipeline) {
    return fit(pipeline, "-driver", DNS_LABEL);
  }

  /** Secret holding the bearer token of the driver's control endpoint. */
  public static String controlSecret(String pipeline) {
    return pipeline + "-control";
  }

  public static final String CONTROL_TOKEN_KEY = "token";
  /** The runner reads its control token from this file, re-read when a caller's token differs. */
  public static final String CONTROL_TOKEN_FILE_ENV = "SPO_CONTROL_TOKEN_FILE";
  /** Where the driver mounts its control-token Secret. */
  public static final String CONTROL_TOKEN_DIR = "/var/run/secrets/streaming-pipeline-control";

  /**
   * The coordination.k8s.io Lease a driver holds while it may commit to the pipeline's
   * checkpoint (the runner's {@code --lease}): a second driver waits for it.
   */
  public static String checkpointLease(String pipeline) {
    return pipeline + "-checkpoint";
  }

  public static String checkpointClaim(String pipeline) {
    return pipeline + "-checkpoints";
  }

  /** The NetworkPolicy holding every pod of the pipeline to DNS, its own pods and the admin's destinations. */
  public static String egressPolicy(String pipeline) {
    return pipeline + "-egress";
  }

  /** The NetworkPolicy letting the pipeline's driver reach the Kubernetes API. */
  public static String driverEgressPolicy(String pipeline) {
    return pipeline + "-driver-egress";
  }
}
