package dev.pipelines.streaming.api.validation;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The sparkConf allow-list: the escalation keys of issue 16 and the line a user sees for each. */
class SparkConfPolicyTest {
  static final String FILE = "makes the operator read a local file or fetch a URL (write the pod template inline in"
      + " spec.podTemplates.driver or spec.podTemplates.executor)";
  static final String AUTH = "chooses the pods' service account or credentials, or makes the operator read credential files"
      + " (the operator gives each pipeline's driver its own service account)";
  static final String KERBEROS = "makes the operator read Kerberos files (krb5.conf, keytab) and mount them into the pods"
      + " (Kerberos is not available to pipelines)";
  static final String COPY = "makes Spark copy local files or download URLs into the pods"
      + " (build what the pipeline needs into its image (spec.image))";
  static final String JVM = "changes the JVM's class path, library path or options (loads code, reads files)"
      + " (build what the pipeline needs into its image (spec.image))";
  static final String VOLUMES = "mounts volumes into the pods (host paths, other claims) (checkpoint volume: spec.checkpoint.pvc;"
      + " other volumes: spec.podTemplates, with the volume types of the restricted Pod Security profile)";
  static final String SECRETS = "mounts Secrets into the pods (reference a Secret with secretKeyRef in a source's or sink's"
      + " credentials, user or password)";
  static final String STEP = "makes the operator load and instantiate a class named in the spec";
  static final String CLASS = "loads a class named in the spec (build what the pipeline needs into its image (spec.image))";
  static final String S3_SECRET = "secrets must not be written in the spec (sparkConf has no secretKeyRef: give the pods an"
      + " identity with spark.hadoop.fs.s3a.aws.credentials.provider (e.g."
      + " software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider), or set AWS_ACCESS_KEY_ID and"
      + " AWS_SECRET_ACCESS_KEY from a Secret with env[].valueFrom.secretKeyRef in spec.podTemplates)";
  static final String SECRET = "secrets must not be written in the spec (sparkConf has no secretKeyRef; Kafka credentials"
      + " and JDBC user and password take secretKeyRef)";
  static final String TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

  static Stream<Arguments> refused() {
    return Stream.of(
        refused("spark.kubernetes.executor.podTemplateFile", TOKEN, FILE),
        refused("spark.kubernetes.driver.podTemplateFile", "http://169.254.169.254/latest/meta-data/", FILE),
        refused("spark.kubernetes.authenticate.driver.caCertFile", TOKEN, AUTH),
        refused("spark.kubernetes.authenticate.driver.clientKeyFile", TOKEN, AUTH),
        refused("spark.kubernetes.authenticate.driver.clientCertFile", TOKEN, AUTH),
        refused("spark.kubernetes.authenticate.driver.oauthTokenFile", TOKEN, AUTH),
        refused("spark.kubernetes.authenticate.submission.oauthToken", "x", AUTH),
        refused("spark.kubernetes.authenticate.driver.serviceAccountName", "operator", AUTH),
        refused("spark.kubernetes.authenticate.executor.serviceAccountName", "operator", AUTH),
        refused("spark.kubernetes.kerberos.krb5.path", "/etc/krb5.conf", KERBEROS),
        refused("spark.kerberos.keytab", "/etc/etl.keytab", KERBEROS),
        refused("spark.kerberos.principal", "etl@EXAMPLE.COM", KERBEROS),
        refused("spark.kubernetes.driver.pod.featureSteps", "com.example.Step", STEP),
        refused("spark.kubernetes.executor.pod.featureSteps", "com.example.Step", STEP),
        refused("spark.files", TOKEN, COPY),
        refused("spark.jars", "http://example.com/x.jar", COPY),
        refused("spark.jars.packages", "org.example:x:1", COPY),
        refused("spark.archives", "/etc/x.zip", COPY),
        refused("spark.kubernetes.file.upload.path", "s3a://bucket/up", COPY),
        refused("spark.driver.extraClassPath", "/tmp", JVM),
        refused("spark.executor.extraJavaOptions", "-javaagent:/tmp/a.jar", JVM),
        refused("spark.driver.extraLibraryPath", "/tmp", JVM),
        refused("spark.kubernetes.namespace", "kube-system",
            "set by the operator: a pipeline runs in its own namespace (set metadata.namespace)"),
        refused("spark.kubernetes.driver.volumes.hostPath.root.mount.path", "/host", VOLUMES),
        refused("spark.kubernetes.executor.volumes.persistentVolumeClaim.other.options.claimName", "other-checkpoints", VOLUMES),
        refused("spark.kubernetes.driver.secrets.operator-token", "/mnt", SECRETS),
        refused("spark.kubernetes.executor.secretKeyRef.TOKEN", "operator-token:token", SECRETS),
        refused("spark.kubernetes.driverEnv.JAVA_TOOL_OPTIONS", "-javaagent:/tmp/a.jar",
            "sets environment variables of the pods, where the operator passes secrets and the control token"
                + " (add env to the Spark container in spec.podTemplates; secrets by secretKeyRef)"),
        refused("spark.plugins", "com.example.Plugin", CLASS),
        refused("spark.extraListeners", "com.example.Listener", CLASS),
        refused("spark.sql.extensions", "com.example.Extensions", CLASS),
        refused("spark.kryo.registrator", "com.example.Registrator", CLASS),
        refused("spark.sql.catalog.mine", "com.example.Catalog", CLASS),
        refused("spark.hadoop.fs.s3a.impl", "com.example.FileSystem", CLASS),
        refused("spark.sql.streaming.checkpointFileManagerClass", "com.example.Manager", CLASS),
        refused("spark.sql.streaming.stateStore.providerClass", "com.example.Provider",
            "'com.example.Provider' is not one of the values Spark ships; other values load a class named in the spec"
                + " (expected one of: org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider,"
                + " org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider)"),
        refused("spark.master", "local[*]", "set by the operator"),
        refused("spark.app.name", "other", "set by the operator"),
        refused("spark.local.dir", "/host", "set by the operator"),
        refused("spark.kubernetes.driver.pod.excludedFeatureSteps", "com.example.Step", "set by the operator"),
        refused("spark.kubernetes.container.image", "evil:latest", "set by the operator (set spec.image)"),
        refused("spark.driver.memory", "4g", "set by the operator (set spec.driver.memory)"),
        refused("spark.executor.instances", "40", "set by the operator"
            + " (set spec.executor.instances, or spec.autoscaling to scale executors)"),
        refused("spark.dynamicAllocation.enabled", "true", "set by the operator"
            + " (set spec.executor.instances, or spec.autoscaling to scale executors)"),
        refused("spark.kubernetes.driver.label.streaming.pipelines.dev/pipeline", "other", "set by the operator"
            + " (put labels and annotations in spec.podTemplates.<driver|executor>.metadata)"),
        refused("spark.sql.streaming.checkpointLocation", "/tmp", "set by the operator (set spec.checkpoint)"),
        refused("spark.hadoop.fs.s3a.secret.key", "abc", S3_SECRET),
        refused("spark.hadoop.fs.s3a.access.key", "abc", S3_SECRET),
        refused("spark.hadoop.fs.s3a.session.token", "abc", S3_SECRET),
        refused("spark.hadoop.fs.s3a.bucket.data.secret.key", "abc", S3_SECRET),
        refused("spark.hadoop.fs.azure.account.key.acct.dfs.core.windows.net", "abc", SECRET),
        refused("spark.authenticate.secret", "abc", SECRET),
        refused("spark.sql.shuffle.partition", "8", "not a setting a pipeline may set"
            + " (did you mean 'spark.sql.shuffle.partitions'?)"),
        refused("spark.eventLog.dir", "/tmp", "not a setting a pipeline may set"
            + " (sparkConf takes the tuning settings listed in docs/spec.md (sparkConf))"));
  }

  static Arguments refused(String key, String value, String expected) {
    return Arguments.of(key, value, expected);
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refused")
  void refusedWithItsReason(String key, String value, String expected) {
    assertThat(SparkConfPolicy.check(key, value)).hasValueSatisfying(r ->
        assertThat(Problem.at("spec.sparkConf[\"" + key + "\"]", r.message(), r.hint()).toString())
            .isEqualTo("spec.sparkConf[\"" + key + "\"]: " + expected));
  }

  @Test
  void everyListedKeyIsAllowed() {
    for (String key : SparkConfPolicy.allowedKeys()) {
      Set<String> values = SparkConfPolicy.CLASS_VALUED.get(key);
      String value = values == null ? "1" : values.iterator().next();
      assertThat(SparkConfPolicy.check(key, value)).as(key).isEmpty();
    }
  }

  @Test
  void tuningFamiliesAndShippedClassesAreAllowed() {
    Map<String, String> allowed = Map.of(
        "spark.sql.streaming.stateStore.rocksdb.changelogCheckpointing.enabled", "true",
        "spark.hadoop.fs.s3a.bucket.my-bucket.endpoint", "http://minio:9000",
        "spark.hadoop.fs.s3a.path.style.access", "true",
        "spark.hadoop.fs.s3a.aws.credentials.provider",
        "software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider,"
            + " software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider",
        "spark.sql.streaming.stateStore.providerClass", "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider",
        "spark.serializer", "org.apache.spark.serializer.KryoSerializer");
    allowed.forEach((key, value) -> assertThat(SparkConfPolicy.check(key, value)).as(key).isEmpty());
    assertThat(SparkConfPolicy.check("spark.serializer", "org.apache.spark.serializer.KryoSerializer,com.example.X")).isPresent();
    assertThat(SparkConfPolicy.check("spark.hadoop.fs.s3a.aws.credentials.provider",
        "org.apache.hadoop.fs.s3a.auth.IAMInstanceCredentialsProvider")).as("the node's instance role").isPresent();
  }

  /** docs/spec.md's table of allowed keys is the list the validator enforces. */
  @Test
  void docsListTheAllowedKeys() throws IOException {
    String docs = Files.readString(Path.of("..", "docs", "spec.md"));
    int start = docs.indexOf("### Keys a pipeline may set");
    assertThat(start).as("docs/spec.md has the table").isPositive();
    String table = docs.substring(start, docs.indexOf("\n### ", start + 1));
    Set<String> documented = new TreeSet<>();
    Matcher m = Pattern.compile("`(spark\\.[^`]+)`").matcher(table);
    while (m.find()) {
      documented.add(m.group(1));
    }
    Set<String> expected = new TreeSet<>(SparkConfPolicy.allowedKeys());
    SparkConfPolicy.ALLOWED_PREFIXES.forEach(p -> expected.add(p + "*"));
    expected.add("spark.hadoop.fs.s3a.bucket.<bucket>.*");
    assertThat(documented).containsExactlyInAnyOrderElementsOf(expected);
  }
}
