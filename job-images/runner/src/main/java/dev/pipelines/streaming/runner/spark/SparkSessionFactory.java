package dev.pipelines.streaming.runner.spark;

import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** Builds the one SparkSession a runner process uses, with defaults fit for streaming. */
public final class SparkSessionFactory {
  /**
   * Spark's default of 200 shuffle partitions makes every small stateful query slow, and the
   * value is frozen into the checkpoint on first start. Users override it in spec.sparkConf.
   */
  public static final String DEFAULT_SHUFFLE_PARTITIONS = "8";

  /**
   * S3A's credential chain: the environment (keys from a Secret) and the pod's own identity (EKS
   * IRSA web identity, EKS Pod Identity / ECS container credentials). Hadoop's default ends with
   * the node's instance role (instance metadata), which every pod on the node would share; a
   * pipeline must not borrow it. Keys set with --conf fs.s3a.access.key locally still work.
   */
  public static final String S3A_CREDENTIALS = String.join(",",
      "org.apache.hadoop.fs.s3a.TemporaryAWSCredentialsProvider",
      "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider",
      "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
      "software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider",
      "software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider");

  private SparkSessionFactory() {}

  /** Settings the runner applies unless the spec or the command line sets them. */
  public static Map<String, String> defaults() {
    Map<String, String> conf = new LinkedHashMap<>();
    conf.put("spark.sql.shuffle.partitions", DEFAULT_SHUFFLE_PARTITIONS);
    conf.put("spark.ui.enabled", "false");
    conf.put("spark.sql.session.timeZone", "UTC");
    // Adaptive execution does not apply to streaming; Spark disables it per query with a warning.
    conf.put("spark.sql.adaptive.enabled", "false");
    conf.put("spark.sql.debug.maxToStringFields", "200");
    // RocksDB keeps large state off the JVM heap; it is also what transformWithState needs.
    conf.put("spark.sql.streaming.stateStore.providerClass",
        "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider");
    conf.put("spark.hadoop.fs.s3a.aws.credentials.provider", S3A_CREDENTIALS);
    // Spark hides option values whose key matches in plans and logs; "uri" adds MongoDB's connection.uri.
    conf.put("spark.sql.redaction.options.regex", "(?i)url|uri");
    return conf;
  }

  /**
   * @param master Spark master URL; null keeps whatever spark-submit or the environment set
   * @param overrides command-line settings, applied last
   */
  public static SparkSession create(StreamingPipeline pipeline, String master, Map<String, String> overrides) {
    Map<String, String> conf = defaults();
    if (pipeline != null && pipeline.spec() != null) {
      conf.putAll(pipeline.spec().sparkConfOrEmpty());
    }
    conf.putAll(overrides);
    SparkSession.Builder builder = SparkSession.builder()
        .appName(pipeline == null || pipeline.name() == null ? "streaming-pipeline" : pipeline.name());
    if (master != null) {
      builder.master(master);
    }
    conf.forEach(builder::config);
    return builder.getOrCreate();
  }
}
