package dev.pipelines.streaming.operator.driver;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.apache.spark.SecurityManager;
import org.apache.spark.SparkConf;
import org.apache.spark.deploy.k8s.KubernetesConf$;
import org.apache.spark.deploy.k8s.KubernetesExecutorConf;
import org.apache.spark.deploy.k8s.SparkPod;
import org.apache.spark.resource.ResourceProfile$;
import org.apache.spark.scheduler.cluster.k8s.KubernetesExecutorBuilder;
import org.apache.spark.util.ManualClock;
import scala.Option;

/**
 * Executor pods exactly as a running driver's Spark builds them ({@code ExecutorPodsAllocator}:
 * {@code KubernetesExecutorBuilder} over the driver's own {@code spark.properties} and the
 * executor template the operator shipped), optionally with settings a driver's own code could
 * add at runtime: what the admission policy must admit, or refuse.
 */
final class SparkExecutorPods {
  private final SparkConf driverConf;
  private final Pod driverPod;

  private SparkExecutorPods(SparkConf driverConf, Pod driverPod) {
    this.driverConf = driverConf;
    this.driverPod = driverPod;
  }

  /** The conf and driver pod the operator builds for {@code pipeline} (attempt 1) in {@code ns}. */
  static SparkExecutorPods forDriverOf(KubernetesClient client, String ns, String pipeline, String image) {
    return forDriverOf(client, ns, pipeline, image, pipeline(pipeline, "{}"));
  }

  /** A valid pipeline with {@code executorTemplate} (flow YAML) as its executor pod template. */
  static StreamingPipeline pipeline(String name, String executorTemplate) {
    return PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: %s}
        spec:
          checkpoint: {pvc: {}}
          podTemplates: {executor: %s}
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
        """.formatted(name, executorTemplate)).orThrow();
  }

  /** The same for {@code pipeline}'s spec (its pod templates included). */
  static SparkExecutorPods forDriverOf(KubernetesClient client, String ns, String pipeline, String image, StreamingPipeline p) {
    var spec = p.spec();
    DriverResources built = new DriverPodFactory(client, new SparkConfFactory(image), new ManualClock(0))
        .build(new DriverRequest(ns, pipeline, "uid-" + pipeline, spec, 1, 1, 0));
    SparkConf conf = new SparkConf(false);
    Properties properties = new Properties();
    try {
      properties.load(new StringReader(configMap(built, "-spark-conf").getData().get("spark.properties")));
      // the driver reads its executor template from the ConfigMap Spark mounted; here from a file
      Path template = Files.createTempFile("executor-template", ".yaml");
      Files.writeString(template, configMap(built, "-driver-podspec-conf-map").getData().get("podspec-configmap-key"));
      template.toFile().deleteOnExit();
      properties.stringPropertyNames().forEach(k -> conf.set(k, properties.getProperty(k)));
      conf.set("spark.kubernetes.executor.podTemplateFile", template.toString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Pod driver = new PodBuilder(built.pod()).editMetadata().withUid("uid-driver-" + pipeline).endMetadata().build();
    return new SparkExecutorPods(conf, driver);
  }

  /** Executor {@code id}, with {@code extra} settings on top of the driver's conf. */
  Pod executor(KubernetesClient client, String id, Map<String, String> extra) {
    SparkConf conf = driverConf.clone();
    extra.forEach(conf::set);
    KubernetesExecutorConf executorConf = KubernetesConf$.MODULE$.createExecutorConf(conf, id,
        conf.get("spark.app.id"), Option.apply(driverPod), 0);
    SecurityManager security = new SecurityManager(conf, Option.empty(),
        org.apache.spark.internal.config.package$.MODULE$.AUTH_SECRET_FILE_EXECUTOR());
    SparkPod pod = new KubernetesExecutorBuilder().buildFromFeatures(executorConf, security, client,
        ResourceProfile$.MODULE$.getOrCreateDefaultProfile(conf)).pod();
    return new PodBuilder(pod.pod()).editOrNewSpec().addToContainers(pod.container()).endSpec().build();
  }

  private static ConfigMap configMap(DriverResources built, String suffix) {
    return built.resources().stream().filter(r -> r instanceof ConfigMap && r.getMetadata().getName().endsWith(suffix))
        .map(ConfigMap.class::cast).findFirst()
        .orElseThrow(() -> new IllegalStateException("no ConfigMap *" + suffix + " in " + built.resources().stream()
            .map(HasMetadata::getMetadata).map(m -> m.getName()).toList()));
  }
}
