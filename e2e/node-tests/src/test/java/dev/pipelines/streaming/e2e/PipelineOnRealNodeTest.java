package dev.pipelines.streaming.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One pipeline's life on a real node, with the operator running as a pod installed by the Helm
 * chart (its RBAC, restricted pod security, leader election) and the images built from this
 * build: first batch and Ready, executors created by Spark, a deleted driver resumed from its
 * checkpoint, a compatible change rolled out while the operator pod is deleted (never two
 * drivers at once), an incompatible one refused and then started over in a fresh checkpoint
 * epoch, suspend and resume, and deletion of everything the pipeline owned. The namespace enforces the {@code restricted}
 * Pod Security Standard. Rows are checked the way a user would: every generated event id once,
 * none missing, in the files the sink committed.
 */
class PipelineOnRealNodeTest {
  static final String OPERATOR_NS = RealNode.OPERATOR_NS;
  static KubernetesClient client;
  static String ns;
  static Path volume;

  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: clicks, namespace: NS}
      spec:
        checkpoint: {pvc: {storageClassName: STORAGE, size: 1Gi}}
        driver: {memory: 768m}
        executor: {instances: 2, memory: 768m}
        sparkConf:
          spark.kubernetes.driver.request.cores: 200m
          spark.kubernetes.executor.request.cores: 200m
          spark.sql.shuffle.partitions: "2"
        restartPolicy: {initialBackoff: 1s}
        upgrade: {stopTimeout: 20s}
        sources:
          - name: clicks
            generator: {rowsPerSecond: 20}
            watermark: {column: eventTime, delay: 10s}
        transforms:
          - {name: kept, from: clicks, filter: "amount >= 0"}
          - name: perPage
            from: clicks
            window: {column: eventTime, size: 10s, groupBy: [page], aggregations: [{fn: count}]}
        sinks:
          - {name: events, from: kept, trigger: {processingTime: 5s}, files: {path: /checkpoints/out/events, format: json}}
          - {name: counts, from: perPage, trigger: {processingTime: 5s}, files: {path: /checkpoints/out/counts, format: json}}
      """;
  static String applied;

  @BeforeAll
  static void installOperator() throws Exception {
    client = RealNode.adminClient();
    ns = "e2e-" + UUID.randomUUID().toString().substring(0, 6);
    volume = RealNode.pipelineNamespace(client, ns);
    RealNode.installOperator(ns);
  }

  @AfterAll
  static void uninstall() {
    if (client == null) {
      return;
    }
    RealNode.uninstallOperator();
    client.namespaces().withName(ns).delete();
    client.persistentVolumes().withName(ns + "-checkpoints").delete();
  }

  @Test
  void aPipelineLivesOnARealNode() throws Exception {
    applied = PIPELINE.replace("NS", ns).replace("STORAGE", ns);
    client.resource(Serialization.unmarshal(applied, StreamingPipelineResource.class)).create();

    // 1. Ready only once a batch committed; Spark made the executors; rows arrive
    awaitReady("first driver", "clicks-driver-1");
    assertThat(pod("clicks-driver-1").getStatus().getPhase()).isEqualTo("Running");
    await("2 executor pods Running", () -> runningExecutors() == 2, Duration.ofMinutes(3));
    awaitRows(100);
    assertThat(client.pods().inNamespace(ns).withName("clicks-driver-1").getLog())
        .as("the driver logs as the runner does locally, not at Spark's INFO default")
        .contains("[events] writing").doesNotContain(" INFO SparkContext:", "INFO  SparkContext:");
    String executor = client.pods().inNamespace(ns).withLabel("spark-role", "executor").list().getItems().get(0)
        .getMetadata().getName();
    assertThat(client.pods().inNamespace(ns).withName(executor).getLog()).as("executors too")
        .doesNotContain(" INFO Executor:", "INFO  Executor:");
    assertThat(leaseHolder()).as("the running driver holds the checkpoint Lease").isEqualTo("clicks-driver-1");

    // 2. kubectl delete pod <driver>: the next attempt resumes from the checkpoint
    client.pods().inNamespace(ns).withName("clicks-driver-1").delete();
    awaitReady("restarted driver", "clicks-driver-2");
    long beforeRestart = maxEventId();
    awaitRows(beforeRestart + 100);
    assertExactlyOnce();
    assertThat(status().restarts().count()).isEqualTo(1);
    assertThat(leaseHolder()).as("released by the stopped driver, taken by the next").isEqualTo("clicks-driver-2");

    // 3. a compatible change (a filter) rolls out on the same checkpoint, even though the
    //    operator pod is deleted in the middle of it: never two drivers at once
    edit("filter: \"amount >= 0\"", "filter: \"amount >= -1\"");
    await("the old driver stopping", () -> pod("clicks-driver-2") == null
        || pod("clicks-driver-2").getMetadata().getDeletionTimestamp() != null, Duration.ofMinutes(1));
    client.pods().inNamespace(OPERATOR_NS).withLabel("app.kubernetes.io/name", "streaming-pipeline-operator").delete();
    await("generation 2 Ready, one driver at a time", () -> {
      assertThat(activeDrivers()).as("drivers running at once").hasSizeLessThanOrEqualTo(1);
      return "True".equals(ready().status()) && status().driver() != null
          && "clicks-driver-3".equals(status().driver().podName());
    }, Duration.ofMinutes(5));
    assertThat(pod("clicks-driver-3").getMetadata().getLabels()).containsEntry("streaming.pipelines.dev/generation", "2");
    awaitRows(maxEventId() + 100);
    assertExactlyOnce();

    // 4. an incompatible change is refused, naming the field; the running driver keeps producing
    edit("groupBy: [page]", "groupBy: [userId]");
    await("IncompatibleChange", () -> readyReason().equals("IncompatibleChange"), Duration.ofMinutes(2));
    assertThat(ready().message()).contains("spec.transforms[1].window.groupBy");
    long beforeRefusal = maxEventId();
    awaitRows(beforeRefusal + 50);
    assertThat(pod("clicks-driver-3").getStatus().getPhase()).isEqualTo("Running");
    assertExactlyOnce();

    // 5. asked for a fresh checkpoint (and new output paths: a file sink's log would skip the new
    //    epoch's first batches), the change starts over in epoch 1
    applied = applied.replace("/checkpoints/out/", "/checkpoints/out2/");
    edit("upgrade: {stopTimeout: 20s}", "upgrade: {stopTimeout: 20s, onIncompatibleChange: resetCheckpoint}");
    awaitReady("epoch 1", "clicks-driver-4");
    assertThat(status().checkpoint().epoch()).isEqualTo(1);
    sink = "out2/events";
    awaitRows(100);
    assertExactlyOnce();

    // 6. suspend: driver and executors go, the checkpoint stays; resume continues from it
    edit("  restartPolicy:", "  suspend: true\n  restartPolicy:");
    await("suspended: no pods", () -> client.pods().inNamespace(ns).list().getItems().isEmpty(), Duration.ofMinutes(2));
    assertThat(status().phase()).isEqualTo("Suspended");
    assertThat(volume.resolve(ns + "/epoch-1/clicks/events/commits")).isDirectory();
    long atSuspend = maxEventId();
    edit("suspend: true", "suspend: false");
    awaitReady("resumed driver", "clicks-driver-5");
    awaitRows(atSuspend + 100);
    assertExactlyOnce();

    // 7. deleting the pipeline removes everything it created
    client.resources(StreamingPipelineResource.class).inNamespace(ns).withName("clicks").delete();
    await("everything gone", () -> leftovers().isEmpty(), Duration.ofMinutes(3));
  }

  /** What is still in the namespace besides what Kubernetes puts in every namespace. */
  static List<String> leftovers() {
    List<io.fabric8.kubernetes.api.model.HasMetadata> all = new java.util.ArrayList<>();
    all.addAll(client.pods().inNamespace(ns).list().getItems());
    all.addAll(client.configMaps().inNamespace(ns).list().getItems());
    all.addAll(client.services().inNamespace(ns).list().getItems());
    all.addAll(client.persistentVolumeClaims().inNamespace(ns).list().getItems());
    all.addAll(client.secrets().inNamespace(ns).list().getItems());
    all.addAll(client.serviceAccounts().inNamespace(ns).list().getItems());
    all.addAll(client.rbac().roles().inNamespace(ns).list().getItems());
    all.addAll(client.rbac().roleBindings().inNamespace(ns).list().getItems());
    all.addAll(client.resources(Lease.class).inNamespace(ns).list().getItems());
    return all.stream()
        .filter(r -> r.getMetadata().getLabels() == null || !"Helm".equals(r.getMetadata().getLabels().get("app.kubernetes.io/managed-by")))
        .map(r -> r.getKind() + "/" + r.getMetadata().getName())
        .filter(n -> !n.equals("ConfigMap/kube-root-ca.crt") && !n.equals("ServiceAccount/default")).toList();
  }

  // ---- what a user looks at ------------------------------------------------------------------

  static StreamingPipelineResource pipeline() {
    return client.resources(StreamingPipelineResource.class).inNamespace(ns).withName("clicks").get();
  }

  static PipelineStatus status() {
    StreamingPipelineResource p = pipeline();
    return p == null || p.getStatus() == null ? PipelineStatus.EMPTY : p.getStatus();
  }

  static Condition ready() {
    return status().conditionsOrEmpty().stream().filter(c -> c.type().equals("Ready")).findFirst()
        .orElse(new Condition("Ready", "Unknown", "", "", null, null));
  }

  static String readyReason() {
    return ready().reason() == null ? "" : ready().reason();
  }

  static String leaseHolder() {
    Lease lease = client.resources(Lease.class).inNamespace(ns).withName("clicks-checkpoint").get();
    return lease == null ? null : lease.getSpec().getHolderIdentity();
  }

  static Pod pod(String name) {
    return client.pods().inNamespace(ns).withName(name).get();
  }

  static long runningExecutors() {
    return client.pods().inNamespace(ns).withLabel("spark-role", "executor").list().getItems().stream()
        .filter(p -> "Running".equals(p.getStatus().getPhase())).count();
  }

  /** A spec change as kubectl apply makes it. */
  static void edit(String from, String to) {
    assertThat(applied).as("test setup: the edit applies").contains(from);
    applied = applied.replace(from, to);
    StreamingPipelineResource changed = Serialization.unmarshal(applied, StreamingPipelineResource.class);
    client.resources(StreamingPipelineResource.class).inNamespace(ns).withName("clicks")
        .edit(p -> {
          p.setSpec(changed.getSpec());
          return p;
        });
  }

  static void awaitReady(String what, String driver) throws Exception {
    await(what + " Ready", () -> "True".equals(ready().status()) && status().driver() != null
        && driver.equals(status().driver().podName()), Duration.ofMinutes(5));
  }

  /** The files sink whose rows are checked, relative to the checkpoint volume. */
  static String sink = "out/events";

  static List<JsonNode> events() {
    return FileSinkLog.committedRows(volume.resolve(sink), "/checkpoints/" + sink);
  }

  static List<String> activeDrivers() {
    return client.pods().inNamespace(ns).withLabel("spark-role", "driver").list().getItems().stream()
        .filter(p -> p.getMetadata().getDeletionTimestamp() == null)
        .filter(p -> "Running".equals(p.getStatus().getPhase()) || "Pending".equals(p.getStatus().getPhase()))
        .map(p -> p.getMetadata().getName()).toList();
  }

  static long maxEventId() {
    return events().stream().mapToLong(r -> r.get("eventId").asLong()).max().orElse(-1);
  }

  static void awaitRows(long eventId) throws Exception {
    await("event " + eventId + " in the files sink", () -> maxEventId() >= eventId, Duration.ofMinutes(3));
  }

  /** Every generated event id from 0 to the highest committed one, each exactly once. */
  static void assertExactlyOnce() {
    List<Long> ids = events().stream().map(r -> r.get("eventId").asLong()).sorted().toList();
    assertThat(ids).as("no event twice").doesNotHaveDuplicates();
    assertThat(ids).as("no event missing").hasSize((int) (ids.get(ids.size() - 1) + 1));
  }

  static void await(String what, Supplier<Boolean> condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      try {
        if (condition.get()) {
          return;
        }
      } catch (AssertionError e) {
        throw new AssertionError(e.getMessage() + "\n" + diagnostics(), e);
      } catch (RuntimeException e) {
        // the API server or a file being written: look again
      }
      Thread.sleep(1000);
    }
    throw new AssertionError("timed out after " + timeout + " waiting for " + what + "\n" + diagnostics());
  }

  /** Status, pods and the operator's and driver's last log lines: what a user would look at. */
  static String diagnostics() {
    StringBuilder out = new StringBuilder("status:\n").append(Serialization.asYaml(status()));
    try {
      out.append("in the namespace: ").append(leftovers()).append('\n');
    } catch (RuntimeException e) {
      out.append("cannot list the namespace: ").append(e.getMessage()).append('\n');
    }
    for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
      out.append("pod ").append(p.getMetadata().getNamespace()).append('/').append(p.getMetadata().getName())
          .append(' ').append(p.getStatus().getPhase()).append(' ')
          .append(p.getStatus().getContainerStatuses() == null ? "" : p.getStatus().getContainerStatuses().stream()
              .map(c -> String.valueOf(c.getState())).collect(Collectors.joining("; "))).append('\n');
    }
    for (Pod p : client.pods().inAnyNamespace().list().getItems()) {
      String name = p.getMetadata().getName();
      if (name.startsWith("spo-") || name.contains("-driver-")) {
        try {
          String log = client.pods().inNamespace(p.getMetadata().getNamespace()).withName(name).tailingLines(40).getLog();
          out.append("--- log of ").append(name).append(":\n").append(log).append('\n');
        } catch (RuntimeException e) {
          out.append("--- no log of ").append(name).append(": ").append(e.getMessage()).append('\n');
        }
      }
    }
    client.v1().events().inNamespace(ns).list().getItems().forEach(e -> out.append("event ").append(e.getReason())
        .append(": ").append(e.getMessage()).append('\n'));
    return out.toString();
  }
}
