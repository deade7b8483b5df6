package dev.pipelines.streaming.operator.driver;

import dev.pipelines.streaming.api.model.CheckpointSpec;
import dev.pipelines.streaming.api.model.KafkaCredentials;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.validation.SecretReferences;
import dev.pipelines.streaming.api.validation.SparkConfPolicy;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * The SparkConf a driver attempt runs with: the user's spec.sparkConf, then what the operator
 * must control (namespace, names, image, labels, volumes, secrets). Every key is a documented
 * Spark setting, so users can reason about the driver with Spark's own docs.
 */
public final class SparkConfFactory {
  static final String MASTER = "k8s://https://kubernetes.default.svc:443";

  private final String defaultImage;

  public SparkConfFactory(String defaultImage) {
    this.defaultImage = defaultImage;
  }

  public Map<String, String> conf(DriverRequest r) {
    PipelineSpec spec = r.spec();
    // Defence in depth: the validator refuses these keys already, but the operator applies
    // sparkConf inside its own JVM (Spark's driver builder reads files, URLs and classes named
    // by some keys), so only what SparkConfPolicy allows ever reaches it, whatever the caller.
    Map<String, String> conf = new LinkedHashMap<>();
    spec.sparkConfOrEmpty().forEach((key, value) -> {
      if (SparkConfPolicy.check(key, value).isEmpty()) {
        conf.put(key, value);
      }
    });
    // Spark names its scratch volume after a random UUID unless told; a fixed path keeps the
    // driver pod identical for identical input.
    conf.putIfAbsent("spark.local.dir", "/var/data/spark-local");
    conf.put("spark.master", MASTER);
    conf.put("spark.submit.deployMode", "cluster");
    conf.put("spark.app.name", r.pipeline());
    conf.put("spark.kubernetes.namespace", r.namespace());
    conf.put("spark.kubernetes.container.image", spec.image() == null ? defaultImage : spec.image());
    conf.put("spark.kubernetes.driver.pod.name", DriverNames.driverPod(r.pipeline(), r.attempt()));
    conf.put("spark.kubernetes.executor.podNamePrefix", DriverNames.resourcePrefix(r.pipeline(), r.attempt()));
    conf.put("spark.kubernetes.authenticate.driver.serviceAccountName", DriverNames.serviceAccount(r.pipeline()));
    conf.put("spark.kubernetes.authenticate.executor.serviceAccountName", DriverNames.executorServiceAccount(r.pipeline()));
    conf.put("spark.driver.cores", String.valueOf(spec.driverOrDefault().coresOrDefault()));
    conf.put("spark.driver.memory", spec.driverOrDefault().memoryOrDefault());
    conf.put("spark.executor.cores", String.valueOf(spec.executorOrDefault().coresOrDefault()));
    conf.put("spark.executor.memory", spec.executorOrDefault().memoryOrDefault());
    conf.put("spark.executor.instances", String.valueOf(spec.executorOrDefault().instancesOrDefault()));
    for (String role : List.of("driver", "executor")) {
      conf.put("spark.kubernetes." + role + ".label." + DriverNames.LABEL_PIPELINE, r.pipeline());
      conf.put("spark.kubernetes." + role + ".label." + DriverNames.LABEL_ATTEMPT, String.valueOf(r.attempt()));
      conf.put("spark.kubernetes." + role + ".label." + DriverNames.LABEL_MANAGED_BY, DriverNames.MANAGED_BY);
    }
    conf.put("spark.kubernetes.driver.label." + DriverNames.LABEL_GENERATION, String.valueOf(r.generation()));
    CheckpointSpec checkpoint = spec.checkpoint();
    if (checkpoint != null && checkpoint.pvc() != null) {
      String claim = checkpoint.pvc().claimName() == null
          ? DriverNames.checkpointClaim(r.pipeline()) : checkpoint.pvc().claimName();
      for (String role : List.of("driver", "executor")) {
        String volume = "spark.kubernetes." + role + ".volumes.persistentVolumeClaim.checkpoints.";
        conf.put(volume + "mount.path", CheckpointSpec.MOUNT_PATH);
        conf.put(volume + "options.claimName", claim);
      }
    }
    secretEnvironment(spec).forEach((env, ref) -> conf.put("spark.kubernetes.driver.secretKeyRef." + env, ref));
    // The control token is mounted by DriverPodFactory, as a file.
    // Executors load runner classes that Spark instantiates by name outside a task's class
    // loader (the fenced checkpoint file manager, found by the state store): the runner jar
    // goes on their JVM classpath, not only in spark.jars (Spark puts this in SPARK_CLASSPATH).
    conf.put("spark.executor.extraClassPath", DriverNames.RUNNER_JAR.substring("local://".length()));
    // On stop Spark deletes Services and PVCs by its app label; the driver's Role grants neither
    // (its per-attempt Service goes with its pod; executors create no PVCs), so it is told not to.
    conf.put("spark.kubernetes.driver.service.deleteOnTermination", "false");
    conf.put("spark.kubernetes.driver.ownPersistentVolumeClaim", "false");
    conf.put(EXCLUDED_STEPS, KERBEROS_STEP);
    if (spec.autoscaling() != null) {
      conf.putAll(DECOMMISSIONING);
    }
    return conf;
  }

  /**
   * With autoscaling, executors leave by Spark's graceful decommissioning (the runner's scale-down
   * asks for it; Spark configuration guide, "Graceful Decommission of Executors"): a leaving
   * executor gets no new tasks, finishes its running ones and migrates its shuffle blocks to the
   * executors that stay (so a batch in flight does not lose map output), then exits. The force
   * timeout bounds a migration that cannot finish; a task it cuts short is retried by Spark.
   */
  static final Map<String, String> DECOMMISSIONING = new TreeMap<>(Map.of(
      "spark.decommission.enabled", "true",
      "spark.storage.decommission.enabled", "true",
      "spark.storage.decommission.shuffleBlocks.enabled", "true",
      "spark.storage.decommission.rddBlocks.enabled", "true",
      "spark.executor.decommission.forceKillTimeout", "5m"));

  static final String KERBEROS_STEP = "org.apache.spark.deploy.k8s.features.KerberosConfDriverFeatureStep";
  /**
   * Spark's Kerberos step builds a Hadoop Configuration (parsing core-default.xml) for every
   * driver to look for delegation tokens: 22% of the operator's CPU when 1,000 pipelines start
   * (bench/operator-scale.sh). Pipelines cannot configure Kerberos (SparkConfPolicy refuses
   * it: it reads keytabs and krb5 files), so the step is always left out.
   */
  static final String EXCLUDED_STEPS = "spark.kubernetes.driver.pod.excludedFeatureSteps";

  /** Where this attempt's queries checkpoint: {@code <base>/<namespace>/epoch-<n>}; the runner adds /<pipeline>/<sink>. */
  public static String checkpointRoot(DriverRequest r) {
    CheckpointSpec c = r.spec().checkpoint();
    String base = c == null || c.location() == null ? CheckpointSpec.MOUNT_PATH : c.location();
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + "/" + r.namespace() + "/epoch-" + r.epoch();
  }

  /** Each secretKeyRef in the spec, as Spark's env-from-secret setting: ENV -> secret:key. */
  static Map<String, String> secretEnvironment(PipelineSpec spec) {
    Map<String, String> env = new LinkedHashMap<>();
    SecretReferences.secretKeyRefs(spec).forEach(r -> env.put(r.value().envName(),
        r.value().secretKeyRef().name() + ":" + r.value().secretKeyRef().key()));
    return env;
  }
}
