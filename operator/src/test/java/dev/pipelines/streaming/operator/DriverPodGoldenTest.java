package dev.pipelines.streaming.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.operator.driver.DriverPodFactory;
import dev.pipelines.streaming.operator.driver.DriverRequest;
import dev.pipelines.streaming.operator.driver.DriverResources;
import dev.pipelines.streaming.operator.driver.SparkConfFactory;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Collectors;
import org.apache.spark.util.ManualClock;
import org.junit.jupiter.api.Test;

/**
 * The driver pod Spark's builder makes for a pipeline, compared with a reviewed file.
 * After an intended change: mvn test -Dtest=DriverPodGoldenTest -Dgolden.update=true
 */
class DriverPodGoldenTest {
  static final Path GOLDEN = Path.of("src/test/resources/golden");

  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: clicks, namespace: analytics}
      spec:
        image: registry.example.com/streaming-pipeline-runner:1.2.3
        sparkConf: {spark.sql.shuffle.partitions: "16"}
        driver: {cores: 1, memory: 2g}
        executor: {cores: 2, memory: 4g, instances: 3}
        checkpoint: {pvc: {size: 5Gi}}
        podTemplates:
          driver:
            apiVersion: v1
            kind: Pod
            spec:
              tolerations: [{key: dedicated, value: streaming, effect: NoSchedule}]
        sources:
          - name: clicks
            kafka:
              bootstrapServers: kafka:9092
              topic: clicks
              credentials:
                username: {secretKeyRef: {name: kafka-user, key: username}}
                password: {secretKeyRef: {name: kafka-user, key: password}}
            format: text
        sinks:
          - {name: out, from: clicks, console: {}}
          - name: alerts
            from: clicks
            http:
              urlFrom: {secretKeyRef: {name: hooks, key: url}}
              headers: {Authorization: {secretKeyRef: {name: hooks, key: token}, prefix: "Bearer "}}
      """;

  @Test
  void driverPodMatchesTheReviewedFile() throws IOException {
    StreamingPipeline p = PipelineLoader.parse(PIPELINE).orThrow();
    try (KubernetesClient client = new KubernetesClientBuilder().build()) {
      DriverPodFactory factory = new DriverPodFactory(client,
          new SparkConfFactory("streaming-pipeline-runner:latest"), new ManualClock(0));
      DriverResources built = factory.build(new DriverRequest("analytics", "clicks", "uid-1234", p.spec(), 2, 7, 0));

      // Spark sets SPARK_USER from the OS user running the operator; the file holds a placeholder.
      String pod = Serialization.asYaml(built.pod()).replaceAll(
          "(name: \"SPARK_USER\"\n\\s+value: )\"[^\"]*\"", "$1\"<operator user>\"");
      compare("driver-pod.yaml", pod);
      // java.util.Properties writes the current date as a comment line.
      compare("driver-prerequisites.yaml", java.util.stream.Stream.concat(built.preResources().stream(), built.resources().stream())
          .map(HasMetadata.class::cast).map(Serialization::asYaml).collect(Collectors.joining())
          .replaceAll("\n\\s*#\\w{3} \\w{3} [^\n]*", ""));
      // The template Spark builds every executor from, on its own for reviewers and for checkov (CI).
      compare("executor-pod-template.yaml", built.resources().stream()
          .filter(r -> r.getMetadata().getName().endsWith("-driver-podspec-conf-map"))
          .map(r -> ((io.fabric8.kubernetes.api.model.ConfigMap) r).getData().get("podspec-configmap-key"))
          .findFirst().orElseThrow());
    }
  }

  /**
   * Drivers and executors log at the runner's levels (not Spark's INFO default); unlike a local
   * run, Spark's errors and their traces stay in the pod's log (a file in the container is gone
   * with it, and {@code spo why} reads the log).
   */
  @Test
  void driversGetTheRunnersLoggingLevelsWithSparksErrorsInTheLog() throws IOException {
    String runner = Files.readString(Path.of("../job-images/runner/src/main/resources/log4j2.properties"));
    String shipped = Files.readString(Path.of("src/main/resources/dev/pipelines/streaming/operator/driver/runner-log4j2.properties"));
    java.util.List<String> leveled = runner.lines().filter(l -> l.matches("(rootLogger|logger\\.\\w+)\\.level = .*"))
        .map(l -> l.substring(0, l.indexOf(".level"))).toList();
    java.util.List<String> levels = runner.lines()
        .filter(l -> leveled.stream().anyMatch(logger -> l.startsWith(logger + ".level =") || l.startsWith(logger + ".name =")))
        .toList();
    assertThat(levels).isNotEmpty();
    assertThat(shipped.lines().toList()).as("the runner's loggers and levels in the operator's copy").containsAll(levels);
    assertThat(shipped).as("Spark's errors, whole, on the pod's stderr").contains("%m%n%ex\n").doesNotContain("type = File");
    assertThat(Files.readString(GOLDEN.resolve("driver-prerequisites.yaml"))).contains("log4j2.properties: |");
  }

  private static void compare(String file, String actual) throws IOException {
    Path golden = GOLDEN.resolve(file);
    if (Boolean.getBoolean("golden.update")) {
      Files.createDirectories(GOLDEN);
      Files.writeString(golden, actual);
    }
    // A missing golden file fails rather than being written from the output under test,
    // which would pass on anything.
    assertThat(golden).as("%s is missing: generate it with -Dgolden.update=true and review it", golden).exists();
    assertThat(actual).as("%s (regenerate with -Dgolden.update=true after an intended change)", golden)
        .isEqualTo(Files.readString(golden));
  }
}
