package dev.pipelines.streaming.operator.driver;

import com.fasterxml.jackson.databind.JsonNode;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesDriverSpec;
import org.apache.spark.deploy.k8s.submit.KubernetesClientUtils$;
import org.apache.spark.deploy.k8s.submit.KubernetesDriverBuilder;
import org.apache.spark.util.Clock;

/**
 * Builds a driver attempt's pod with Spark's own {@link KubernetesDriverBuilder}, then adds
 * what spark-submit's client would (the spark.properties ConfigMap) and what the runner
 * needs (the pipeline spec, mounted read-only).
 */
public final class DriverPodFactory {
  static final String SPARK_CONF_VOLUME = "spark-conf-volume-driver";
  static final String SPARK_CONF_DIR = "/opt/spark/conf";
  static final String SPEC_VOLUME = "pipeline-spec";

  private final KubernetesClient client;
  private final SparkConfFactory confFactory;
  private final Clock clock;

  public DriverPodFactory(KubernetesClient client, SparkConfFactory confFactory, Clock clock) {
    this.client = client;
    this.confFactory = confFactory;
    this.clock = clock;
  }

  public DriverResources build(DriverRequest r) {
    SparkConf conf = new SparkConf(false);
    confFactory.conf(r).forEach(conf::set);
    List<Path> templates = writePodTemplates(r, conf);
    try {
      String prefix = DriverNames.resourcePrefix(r.pipeline(), r.attempt());
      List<String> runnerArgs = new ArrayList<>(List.of("run", DriverNames.SPEC_MOUNT + "/" + DriverNames.SPEC_FILE,
          "--checkpoint-root", SparkConfFactory.checkpointRoot(r),
          "--control-port", String.valueOf(DriverNames.CONTROL_PORT),
          // the pod's grace period (spec.upgrade.stopTimeout) bounds the runner's graceful stop
          "--stop-timeout", r.spec().upgradeOrDefault().stopTimeoutOrDefault(),
          // fencing: commits only while this attempt holds the pipeline's checkpoint Lease
          "--lease", r.namespace() + "/" + DriverNames.checkpointLease(r.pipeline()),
          "--lease-holder", DriverNames.driverPod(r.pipeline(), r.attempt())));
      if (r.adoptCheckpoint()) {
        runnerArgs.add("--adopt-checkpoint");
      }
      String[] args = runnerArgs.toArray(String[]::new);
      PipelineDriverConf driverConf = new PipelineDriverConf(conf, "spark-" + prefix, prefix, args, clock);
      KubernetesDriverSpec spark = new KubernetesDriverBuilder().buildFromFeatures(driverConf, client);

      // The driver template was consumed above; its operator-local path means nothing in the driver.
      String template = "spark.kubernetes.driver.podTemplateFile";
      conf.remove(template);
      Map<String, String> properties = new java.util.HashMap<>(spark.getSystemPropertiesAsJavaMap());
      properties.remove(template);
      String confMapName = prefix + "-spark-conf";
      var utils = KubernetesClientUtils$.MODULE$;
      Map<String, String> confFiles = new java.util.TreeMap<>(utils.buildSparkConfDirFilesMapJava(confMapName, conf, properties));
      // Logging starts before the runner's jar is on the driver's classpath, so the runner's
      // log4j2.properties goes into SPARK_CONF_DIR; Spark copies that directory to executors.
      confFiles.putIfAbsent(LOG4J2_FILE, RUNNER_LOGGING);
      ConfigMap sparkConfMap = utils.buildConfigMapJava(confMapName, confFiles, Map.of());

      Container container = new ContainerBuilder(spark.pod().container())
          .addNewEnv().withName("SPARK_CONF_DIR").withValue(SPARK_CONF_DIR).endEnv()
          .addNewVolumeMount().withName(SPARK_CONF_VOLUME).withMountPath(SPARK_CONF_DIR).endVolumeMount()
          .addNewVolumeMount().withName(SPEC_VOLUME).withMountPath(DriverNames.SPEC_MOUNT).withReadOnly(true).endVolumeMount()
          // the control token as a file, not an environment variable: the kubelet refreshes a
          // mounted Secret, so a token the operator rewrites reaches the running driver
          .addNewVolumeMount().withName(CONTROL_TOKEN_VOLUME).withMountPath(DriverNames.CONTROL_TOKEN_DIR).withReadOnly(true)
          .endVolumeMount()
          .addNewEnv().withName(DriverNames.CONTROL_TOKEN_FILE_ENV)
          .withValue(DriverNames.CONTROL_TOKEN_DIR + "/" + DriverNames.CONTROL_TOKEN_KEY).endEnv()
          .addNewPort().withName("control").withContainerPort(DriverNames.CONTROL_PORT).endPort()
          .build();
      OwnerReference owner = owner(r);
      Pod pod = new PodBuilder(PodSecurity.secure(new PodBuilder(spark.pod().pod()).editSpec()
              .addToContainers(container).endSpec().build(), true))
          .editMetadata().withNamespace(r.namespace()).withOwnerReferences(owner).endMetadata()
          .editSpec()
            .addNewVolume().withName(SPARK_CONF_VOLUME)
              .withNewConfigMap().withName(confMapName).withItems(utils.buildKeyToPathObjectsJava(confFiles)).endConfigMap()
            .endVolume()
            .addNewVolume().withName(SPEC_VOLUME)
              .withNewConfigMap().withName(DriverNames.specConfigMap(r.pipeline())).endConfigMap()
            .endVolume()
            .addNewVolume().withName(CONTROL_TOKEN_VOLUME)
              .withNewSecret().withSecretName(DriverNames.controlSecret(r.pipeline())).endSecret()
            .endVolume()
            .withRestartPolicy("Never")
            .withTerminationGracePeriodSeconds(gracePeriodSeconds(r.spec()))
          .endSpec()
          .build();

      List<HasMetadata> pre = new ArrayList<>(spark.getDriverPreKubernetesResourcesAsJavaList());
      List<HasMetadata> after = new ArrayList<>();
      after.add(sparkConfMap);
      after.addAll(spark.getDriverKubernetesResourcesAsJavaList());
      // Owned by the pipeline here; ClusterActor gives the "after" ones to the pod once it exists.
      java.util.stream.Stream.concat(pre.stream(), after.stream()).forEach(res -> {
        res.getMetadata().setNamespace(r.namespace());
        res.getMetadata().setOwnerReferences(List.of(owner));
      });
      return new DriverResources(pod, pre, after);
    } finally {
      templates.forEach(DriverPodFactory::deleteQuietly);
    }
  }

  static final String LOG4J2_FILE = "log4j2.properties";
  /** A fixed name (Spark's secret step names volumes after the Secret, too long for long pipeline names). */
  static final String CONTROL_TOKEN_VOLUME = "spo-control-token";
  /** The runner's own logging configuration (kept equal to job-images/runner's by a test). */
  static final String RUNNER_LOGGING = resource("runner-log4j2.properties");

  private static String resource(String name) {
    try (var in = DriverPodFactory.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + name);
      }
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Time the runner needs after SIGTERM beyond its --stop-timeout: stopping queries and the session. */
  static final long STOP_MARGIN_SECONDS = 30;

  /**
   * The driver pod's grace period: spec.upgrade.stopTimeout (the runner's --stop-timeout, the
   * wait for running batches) plus a margin to stop Spark, so the kubelet's SIGKILL never
   * interrupts a stop the runner was told it may take.
   */
  public static long gracePeriodSeconds(PipelineSpec spec) {
    return Durations.require(spec.upgradeOrDefault().stopTimeoutOrDefault()).toSeconds() + STOP_MARGIN_SECONDS;
  }

  /** The pipeline owns everything per attempt, so deleting it cleans up (garbage collection). */
  static OwnerReference owner(DriverRequest r) {
    return new OwnerReferenceBuilder()
        .withApiVersion(StreamingPipeline.API_VERSION)
        .withKind(StreamingPipeline.KIND)
        .withName(r.pipeline())
        .withUid(r.ownerUid())
        .withController(true)
        .withBlockOwnerDeletion(true)
        .build();
  }

  /**
   * Spark reads pod templates from files; they live only while the driver is built. The
   * executor template is always written: the author's template (if any) under our security
   * settings and the executors' rights-less service account. Spark ships it to the driver in
   * a ConfigMap and builds every executor from it.
   */
  private static List<Path> writePodTemplates(DriverRequest r, SparkConf conf) {
    List<Path> files = new ArrayList<>();
    var templates = r.spec().podTemplates();
    JsonNode driver = templates == null ? null : templates.driver();
    if (driver != null && !driver.isNull()) {
      write(Serialization.asYaml(driver), "driver", conf, files);
    }
    write(Serialization.asYaml(executorTemplate(templates == null ? null : templates.executor(), r.pipeline())),
        "executor", conf, files);
    return files;
  }

  /** The executor pod template: the author's, with the executor container Spark fills in, secured. */
  static Pod executorTemplate(JsonNode authored, String pipeline) {
    Pod pod = authored == null || authored.isNull() ? new Pod() : Serialization.unmarshal(Serialization.asJson(authored), Pod.class);
    PodBuilder b = new PodBuilder(pod);
    if (pod.getSpec() == null || pod.getSpec().getContainers() == null || pod.getSpec().getContainers().isEmpty()) {
      b.editOrNewSpec().addNewContainer().withName(EXECUTOR_CONTAINER).endContainer().endSpec();
    }
    b.editOrNewSpec().withServiceAccountName(DriverNames.executorServiceAccount(pipeline)).endSpec();
    return PodSecurity.secure(b.build(), false);
  }

  /** Spark's name for the executor container (its KubernetesExecutorBuilder default). */
  static final String EXECUTOR_CONTAINER = "spark-kubernetes-executor";

  private static void write(String yaml, String role, SparkConf conf, List<Path> files) {
    try {
      Path file = Files.createTempFile(role + "-pod-template", ".yaml");
      Files.writeString(file, yaml);
      conf.set("spark.kubernetes." + role + ".podTemplateFile", file.toString());
      files.add(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path file) {
    try {
      Files.deleteIfExists(file);
    } catch (IOException ignored) {
      // a temp file; the OS cleans it eventually
    }
  }
}
