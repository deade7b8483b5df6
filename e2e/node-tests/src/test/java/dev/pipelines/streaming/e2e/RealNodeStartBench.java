package dev.pipelines.streaming.e2e;

import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * bench/real-node.sh, not a test (surefire's default includes skip *Bench): on the real node,
 * apply → first committed batch, and a deleted driver → the next attempt's first committed
 * batch, each split into its parts: until the pod exists (operator, backoff), until its
 * container runs (scheduling, image, volumes), until the runner's queries start (JVM, launcher,
 * Spark session, checkpoint guard), until the first batch is in the file sink's commit log
 * (executors registering, the batch itself). Times come from the cluster's own timestamps and the commit log's files.
 */
class RealNodeStartBench {
  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: bench, namespace: NS}
      spec:
        checkpoint: {pvc: {storageClassName: NS, size: 1Gi}}
        driver: {memory: 768m}
        executor: {instances: 1, memory: 768m}
        sparkConf:
          spark.kubernetes.driver.request.cores: 200m
          spark.kubernetes.executor.request.cores: 200m
          spark.sql.shuffle.partitions: "2"
        restartPolicy: {initialBackoff: 1s}
        sources: [{name: clicks, generator: {rowsPerSecond: 20}}]
        sinks:
          - {name: events, from: clicks, trigger: {processingTime: 2s}, files: {path: /checkpoints/out/events, format: json}}
      """;

  @Test
  void startAndRestart() throws Exception {
    KubernetesClient client = RealNode.adminClient();
    String ns = "bench-" + UUID.randomUUID().toString().substring(0, 6);
    Path volume = RealNode.pipelineNamespace(client, ns);
    RealNode.installOperator(ns);
    try {
      Path log = volume.resolve("out/events/_spark_metadata");
      Instant applied = Instant.now();
      client.resource(Serialization.unmarshal(PIPELINE.replace("NS", ns), StreamingPipelineResource.class)).create();
      Instant firstBatch = awaitBatchAfter(log, applied);
      report("apply → first committed batch", applied, client, ns, "bench-driver-1", firstBatch);

      Instant killed = Instant.now();
      client.pods().inNamespace(ns).withName("bench-driver-1").withGracePeriod(0).delete();
      Instant nextBatch = awaitBatchAfter(log, killed);
      report("driver deleted → first batch of the next attempt", killed, client, ns, "bench-driver-2", nextBatch);
      System.out.println("goal for the restart: < 20 s (pod start and backoff with initialBackoff: 1s included)");
    } finally {
      client.namespaces().withName(ns).delete();
      RealNode.uninstallOperator();
      client.persistentVolumes().withName(ns + "-checkpoints").delete();
    }
  }

  static void report(String what, Instant from, KubernetesClient client, String ns, String podName, Instant batch) {
    Pod pod = client.pods().inNamespace(ns).withName(podName).get();
    Instant created = Instant.parse(pod.getMetadata().getCreationTimestamp());
    Instant started = pod.getStatus().getContainerStatuses().stream().map(ContainerStatus::getState)
        .filter(s -> s.getRunning() != null).map(s -> Instant.parse(s.getRunning().getStartedAt())).findFirst()
        .orElse(created);
    // the runner prints "[<sink>] writing ..." as each query starts, after the Spark session
    Instant queries = client.pods().inNamespace(ns).withName(podName).usingTimestamps().getLog().lines()
        .filter(l -> l.contains("] writing ")).map(l -> Instant.parse(l.substring(0, l.indexOf(' '))))
        .findFirst().orElse(started);
    double total = seconds(from, batch);
    System.out.printf("%n%s: %.1f s%n", what, total);
    row("until the driver pod exists (operator, backoff)", seconds(from, created), total);
    row("until its container runs (scheduling, volumes)", seconds(created, started), total);
    row("until the queries start (JVM, Spark session, checkpoint guard)", seconds(started, queries), total);
    row("until the first batch commits (executors, the batch)", seconds(queries, batch), total);
  }

  static void row(String part, double s, double total) {
    System.out.printf("  %-60s %6.1f s  %3.0f%%%n", part, s, 100 * s / total);
  }

  static double seconds(Instant a, Instant b) {
    return Math.max(0, Duration.between(a, b).toMillis() / 1000.0);
  }

  /** The modification time of the first commit-log file written after {@code after}. */
  static Instant awaitBatchAfter(Path log, Instant after) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
    while (System.nanoTime() < deadline) {
      Optional<Instant> batch = firstBatchAfter(log, after);
      if (batch.isPresent()) {
        return batch.get();
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no batch committed within 5 minutes after " + after);
  }

  static Optional<Instant> firstBatchAfter(Path log, Instant after) throws IOException {
    if (!Files.isDirectory(log)) {
      return Optional.empty();
    }
    try (Stream<Path> files = Files.list(log)) {
      return files.filter(f -> f.getFileName().toString().matches("\\d+(\\.compact)?"))
          .map(f -> {
            try {
              return Files.getLastModifiedTime(f).toInstant();
            } catch (IOException e) {
              return Instant.MIN;
            }
          })
          .filter(t -> t.isAfter(after)).min(Instant::compareTo);
    }
  }
}
