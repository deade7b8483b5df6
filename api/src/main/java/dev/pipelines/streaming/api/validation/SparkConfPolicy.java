package dev.pipelines.streaming.api.validation;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.regex.Pattern;

/**
 * Which {@code spec.sparkConf} keys a pipeline author may set.
 *
 * <p>An allow-list, not a deny-list: the operator applies the user's map inside its own JVM
 * through Spark's Kubernetes driver builder, and Spark has hundreds of settings, a few of which
 * read files or URLs, pick service accounts, mount volumes or Secrets, or load classes (issue 16
 * found 24 such keys). Each Spark release adds more, so only keys that are known to tune the
 * job (SQL, streaming, state store, shuffle, memory and core amounts, network timeouts, Kafka
 * consumer caches, S3A client settings without secrets) pass. Everything else is refused; the
 * dangerous families get a specific reason so the author learns what to use instead.
 * The table in docs/spec.md ("sparkConf") lists the same keys; {@code SparkConfPolicyTest}
 * keeps them equal.
 */
public final class SparkConfPolicy {

  /** Why a key is refused, in {@link Problem}'s words: the message and a hint. */
  public record Refusal(String message, String hint) {}

  /** Exact keys a pipeline may set to any value (Spark checks the value itself). */
  static final SortedSet<String> ALLOWED_KEYS = new TreeSet<>(List.of(
      // memory and cores beyond spec.driver / spec.executor
      "spark.driver.memoryOverhead", "spark.driver.memoryOverheadFactor", "spark.driver.minMemoryOverhead",
      "spark.executor.memoryOverhead", "spark.executor.memoryOverheadFactor", "spark.executor.minMemoryOverhead",
      "spark.kubernetes.driver.request.cores", "spark.kubernetes.driver.limit.cores",
      "spark.kubernetes.executor.request.cores", "spark.kubernetes.executor.limit.cores",
      "spark.memory.fraction", "spark.memory.storageFraction", "spark.memory.offHeap.enabled", "spark.memory.offHeap.size",
      "spark.driver.maxResultSize",
      // scheduling and tasks
      "spark.default.parallelism", "spark.task.cpus", "spark.task.maxFailures", "spark.locality.wait", "spark.scheduler.mode",
      // network timeouts
      "spark.network.timeout", "spark.executor.heartbeatInterval", "spark.rpc.askTimeout", "spark.rpc.lookupTimeout",
      "spark.rpc.message.maxSize",
      // serialization and compression
      "spark.kryoserializer.buffer", "spark.kryoserializer.buffer.max", "spark.kryo.referenceTracking",
      "spark.kryo.registrationRequired", "spark.kryo.unsafe",
      "spark.rdd.compress", "spark.broadcast.compress", "spark.checkpoint.compress",
      "spark.io.compression.lz4.blockSize", "spark.io.compression.zstd.level", "spark.io.compression.zstd.bufferSize",
      // shuffle
      "spark.shuffle.compress", "spark.shuffle.spill.compress", "spark.shuffle.file.buffer",
      "spark.shuffle.io.maxRetries", "spark.shuffle.io.retryWait", "spark.shuffle.io.numConnectionsPerPeer",
      "spark.shuffle.sort.bypassMergeThreshold", "spark.reducer.maxSizeInFlight", "spark.reducer.maxReqsInFlight",
      "spark.reducer.maxBlocksInFlightPerAddress",
      // UI (off by default in the runner)
      "spark.ui.enabled",
      // SQL
      "spark.sql.shuffle.partitions", "spark.sql.session.timeZone", "spark.sql.ansi.enabled", "spark.sql.caseSensitive",
      "spark.sql.autoBroadcastJoinThreshold", "spark.sql.broadcastTimeout", "spark.sql.adaptive.enabled",
      "spark.sql.join.preferSortMergeJoin", "spark.sql.files.maxPartitionBytes", "spark.sql.files.openCostInBytes",
      "spark.sql.files.maxRecordsPerFile", "spark.sql.files.ignoreCorruptFiles", "spark.sql.files.ignoreMissingFiles",
      "spark.sql.parquet.compression.codec", "spark.sql.parquet.outputTimestampType",
      "spark.sql.debug.maxToStringFields", "spark.sql.datetime.java8API.enabled", "spark.sql.legacy.timeParserPolicy",
      "spark.sql.codegen.wholeStage", "spark.sql.codegen.maxFields",
      // streaming
      "spark.sql.streaming.metricsEnabled", "spark.sql.streaming.numRecentProgressUpdates",
      "spark.sql.streaming.minBatchesToRetain", "spark.sql.streaming.maxBatchesToRetainInMemory",
      "spark.sql.streaming.noDataMicroBatches.enabled", "spark.sql.streaming.pollingDelay",
      "spark.sql.streaming.multipleWatermarkPolicy", "spark.sql.streaming.kafka.useDeprecatedOffsetFetching",
      "spark.sql.streaming.fileSource.log.compactInterval", "spark.sql.streaming.fileSource.log.cleanupDelay",
      "spark.sql.streaming.fileSource.log.deletion", "spark.sql.streaming.fileSource.cleaner.numThreads",
      "spark.sql.streaming.fileSink.log.compactInterval", "spark.sql.streaming.fileSink.log.cleanupDelay",
      "spark.sql.streaming.fileSink.log.deletion",
      "spark.sql.streaming.sessionWindow.merge.sessions.in.local.partition",
      "spark.sql.streaming.statefulOperator.checkCorrectness.enabled", "spark.sql.streaming.statefulOperator.allowMultiple",
      // state store
      "spark.sql.streaming.stateStore.minDeltasForSnapshot", "spark.sql.streaming.stateStore.maintenanceInterval",
      "spark.sql.streaming.stateStore.numStateStoreMaintenanceThreads",
      "spark.sql.streaming.stateStore.formatValidation.enabled", "spark.sql.streaming.stateStore.stateSchemaCheck",
      "spark.sql.streaming.stateStore.skipNullsForStreamStreamJoins.enabled",
      // Kafka consumer and producer caches
      "spark.kafka.consumer.cache.capacity", "spark.kafka.consumer.cache.timeout",
      "spark.kafka.consumer.cache.evictorThreadRunInterval", "spark.kafka.consumer.fetchedData.cache.timeout",
      "spark.kafka.consumer.fetchedData.cache.evictorThreadRunInterval", "spark.kafka.producer.cache.timeout",
      "spark.kafka.producer.cache.evictorThreadRunInterval"));

  /** Key prefixes whose every key is a number or switch: RocksDB state store tuning. */
  static final List<String> ALLOWED_PREFIXES = List.of("spark.sql.streaming.stateStore.rocksdb.");

  /**
   * S3A client settings without secrets, written {@code spark.hadoop.fs.s3a.<setting>} or per
   * bucket {@code spark.hadoop.fs.s3a.bucket.<bucket>.<setting>} (Hadoop's S3A documentation).
   */
  static final SortedSet<String> S3A_SETTINGS = new TreeSet<>(List.of(
      "endpoint", "endpoint.region", "path.style.access", "connection.ssl.enabled", "connection.maximum",
      "connection.timeout", "connection.establish.timeout", "connection.request.timeout", "attempts.maximum",
      "retry.limit", "retry.interval", "retry.throttle.limit", "retry.throttle.interval", "threads.max",
      "max.total.tasks", "fast.upload", "fast.upload.buffer", "fast.upload.active.blocks", "multipart.size",
      "multipart.threshold", "block.size", "readahead.range", "experimental.input.fadvise", "paging.maximum"));
  private static final String S3A = "spark.hadoop.fs.s3a.";
  private static final Pattern S3A_BUCKET = Pattern.compile(Pattern.quote(S3A) + "bucket\\.[a-z0-9][a-z0-9.-]*[a-z0-9]\\.(.+)");

  /**
   * Keys whose value names a class Spark or Hadoop loads: only the classes they ship are
   * allowed (a comma-separated list for the credentials provider).
   */
  static final Map<String, Set<String>> CLASS_VALUED = Map.of(
      "spark.sql.streaming.stateStore.providerClass", Set.of(
          "org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider",
          "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider"),
      "spark.serializer", Set.of("org.apache.spark.serializer.KryoSerializer", "org.apache.spark.serializer.JavaSerializer"),
      "spark.io.compression.codec", Set.of("lz4", "lzf", "snappy", "zstd"),
      "spark.sql.streaming.stateStore.compression.codec", Set.of("lz4", "lzf", "snappy", "zstd"),
      // The pod's own identities; not the node's (instance metadata: IAMInstance/InstanceProfile
      // providers and the SDK's default chains that end with them), which the node's other pods share.
      S3A + "aws.credentials.provider", Set.of(
          "org.apache.hadoop.fs.s3a.AnonymousAWSCredentialsProvider",
          "software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider",
          "software.amazon.awssdk.auth.credentials.ContainerCredentialsProvider",
          "software.amazon.awssdk.auth.credentials.EnvironmentVariableCredentialsProvider",
          "com.amazonaws.auth.WebIdentityTokenCredentialsProvider",
          "com.amazonaws.auth.EnvironmentVariableCredentialsProvider"));

  private static final String POD_TEMPLATES_HINT = "write the pod template inline in spec.podTemplates.driver or spec.podTemplates.executor";
  private static final String IMAGE_HINT = "build what the pipeline needs into its image (spec.image)";
  private static final String SECRET_REF_HINT =
      "reference a Secret with secretKeyRef in a source's or sink's credentials, user or password";
  private static final String LABELS_HINT = "put labels and annotations in spec.podTemplates.<driver|executor>.metadata";

  /** Refused families, checked in order; the first match gives the reason. */
  private static final List<Rule> REFUSED = List.of(
      // the operator or Spark reads a local file or a URL
      rule("spark\\.kubernetes\\.(driver|executor)\\.podTemplateFile",
          "makes the operator read a local file or fetch a URL", POD_TEMPLATES_HINT),
      rule("spark\\.kerberos\\..*|spark\\.kubernetes\\.kerberos\\..*",
          "makes the operator read Kerberos files (krb5.conf, keytab) and mount them into the pods",
          "Kerberos is not available to pipelines"),
      rule("spark\\.kubernetes\\.authenticate\\..*",
          "chooses the pods' service account or credentials, or makes the operator read credential files",
          "the operator gives each pipeline's driver its own service account"),
      rule("spark\\.(files|jars|archives|pyFiles|submit\\.pyFiles)(\\..*)?|spark\\.kubernetes\\.file\\.upload\\.path",
          "makes Spark copy local files or download URLs into the pods", IMAGE_HINT),
      rule("spark\\..*\\.(extraClassPath|extraJavaOptions|extraLibraryPath|defaultJavaOptions)",
          "changes the JVM's class path, library path or options (loads code, reads files)", IMAGE_HINT),
      rule("spark\\.metrics\\.conf(\\..*)?|spark\\.scheduler\\.allocation\\.file|spark\\.ssl\\..*",
          "makes Spark read a local file or load classes named in it", null),
      // namespaces and identities
      rule("spark\\.kubernetes\\.namespace|spark\\.kubernetes\\.context",
          "set by the operator: a pipeline runs in its own namespace", "set metadata.namespace"),
      // host paths and Secrets
      rule("spark\\.kubernetes\\.(driver|executor)\\.volumes\\..*",
          "mounts volumes into the pods (host paths, other claims)",
          "checkpoint volume: spec.checkpoint.pvc; other volumes: spec.podTemplates, with the volume types of the restricted Pod Security profile"),
      rule("spark\\.kubernetes\\.(driver|executor)\\.(secrets|secretKeyRef)\\..*", "mounts Secrets into the pods", SECRET_REF_HINT),
      rule("spark\\.kubernetes\\.driverEnv\\..*|spark\\.executorEnv\\..*",
          "sets environment variables of the pods, where the operator passes secrets and the control token",
          "add env to the Spark container in spec.podTemplates; secrets by secretKeyRef"),
      // classes loaded by name
      rule("spark\\.kubernetes\\.(driver|executor)\\.pod\\.featureSteps",
          "makes the operator load and instantiate a class named in the spec", null),
      rule("spark\\.plugins|spark\\.extraListeners|spark\\.sql\\.extensions|spark\\.kryo\\.registrator|spark\\.kryo\\.classesToRegister"
              + "|spark\\.sql\\.queryExecutionListeners|spark\\.sql\\.streaming\\.streamingQueryListeners|spark\\.sql\\.catalog\\..*"
              + "|spark\\.shuffle\\.manager|spark\\..*([Cc]lass|[Cc]lasses|\\.impl|[Pp]rovider|[Ff]actory)",
          "loads a class named in the spec", IMAGE_HINT),
      // what the operator sets itself (SparkConfFactory)
      rule("spark\\.driver\\.cores", "set by the operator", "set spec.driver.cores"),
      rule("spark\\.driver\\.memory", "set by the operator", "set spec.driver.memory"),
      rule("spark\\.executor\\.cores", "set by the operator", "set spec.executor.cores"),
      rule("spark\\.executor\\.memory", "set by the operator", "set spec.executor.memory"),
      rule("spark\\.executor\\.instances|spark\\.dynamicAllocation\\..*", "set by the operator",
          "set spec.executor.instances, or spec.autoscaling to scale executors"),
      rule("spark\\.kubernetes\\.(driver\\.|executor\\.)?container\\.image(\\..*)?", "set by the operator", "set spec.image"),
      rule("spark\\.kubernetes\\.(driver|executor|driver\\.service)\\.(label|annotation)\\..*", "set by the operator", LABELS_HINT),
      rule("spark\\.sql\\.streaming\\.checkpointLocation", "set by the operator", "set spec.checkpoint"),
      rule("spark\\.master|spark\\.submit\\..*|spark\\.app\\..*|spark\\.kubernetes\\.driver\\.master"
              + "|spark\\.kubernetes\\.driver\\.pod\\.name|spark\\.kubernetes\\.executor\\.podNamePrefix"
              + "|spark\\.kubernetes\\.(driver|executor)\\.podTemplateContainerName"
              + "|spark\\.kubernetes\\.(driver|executor)\\.pod\\.excludedFeatureSteps"
              + "|spark\\.kubernetes\\.submitInDriver|spark\\.kubernetes\\.resource\\.type|spark\\.local\\.dir"
              + "|spark\\.driver\\.(host|port|bindAddress|blockManager\\.port)|spark\\.blockManager\\.port",
          "set by the operator", null));

  private SparkConfPolicy() {}

  /** Empty when a pipeline may set {@code key} to {@code value}; else why not. */
  public static Optional<Refusal> check(String key, String value) {
    Set<String> classes = CLASS_VALUED.get(key);
    if (classes != null) {
      return classValue(key, value, classes);
    }
    for (Rule rule : REFUSED) {
      if (rule.key().matcher(key).matches()) {
        return Optional.of(rule.refusal());
      }
    }
    if (Credentials.isCredentialKey(key)) {
      return Optional.of(new Refusal("secrets must not be written in the spec", credentialHint(key)));
    }
    if (ALLOWED_KEYS.contains(key) || ALLOWED_PREFIXES.stream().anyMatch(key::startsWith) || allowedS3a(key)) {
      return Optional.empty();
    }
    return Optional.of(new Refusal("not a setting a pipeline may set",
        Suggestions.closest(key, allowedKeys()).map(c -> "did you mean '" + c + "'?")
            .orElse("sparkConf takes the tuning settings listed in docs/spec.md (sparkConf)")));
  }

  /** Every exact key a pipeline may set, S3A settings included; prefixes are in {@link #ALLOWED_PREFIXES}. */
  public static SortedSet<String> allowedKeys() {
    SortedSet<String> all = new TreeSet<>(ALLOWED_KEYS);
    all.addAll(CLASS_VALUED.keySet());
    S3A_SETTINGS.forEach(s -> all.add(S3A + s));
    return all;
  }

  private static boolean allowedS3a(String key) {
    if (!key.startsWith(S3A)) {
      return false;
    }
    var bucket = S3A_BUCKET.matcher(key);
    return S3A_SETTINGS.contains(bucket.matches() ? bucket.group(1) : key.substring(S3A.length()));
  }

  private static Optional<Refusal> classValue(String key, String value, Set<String> allowed) {
    List<String> named = value == null ? List.of("") : Arrays.stream(value.split(",")).map(String::strip).toList();
    boolean list = key.endsWith(".credentials.provider");
    boolean ok = !named.isEmpty() && (list || named.size() == 1) && allowed.containsAll(named);
    if (ok) {
      return Optional.empty();
    }
    String unknown = named.stream().filter(n -> !allowed.contains(n)).findFirst().orElse(value);
    return Optional.of(new Refusal("'" + unknown + "' is not one of the values Spark ships; other values load a class named in the spec",
        "expected " + (list ? "a comma-separated list of: " : "one of: ") + String.join(", ", new TreeSet<>(allowed))));
  }

  private static String credentialHint(String key) {
    if (key.startsWith("spark.hadoop.fs.s3a.")) {
      return "sparkConf has no secretKeyRef: give the pods an identity with spark.hadoop.fs.s3a.aws.credentials.provider"
          + " (e.g. software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider), or set"
          + " AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from a Secret with env[].valueFrom.secretKeyRef in spec.podTemplates";
    }
    return "sparkConf has no secretKeyRef; Kafka credentials and JDBC user and password take secretKeyRef";
  }

  private static Rule rule(String keyRegex, String message, String hint) {
    return new Rule(Pattern.compile(keyRegex), new Refusal(message, hint));
  }

  private record Rule(Pattern key, Refusal refusal) {}
}
