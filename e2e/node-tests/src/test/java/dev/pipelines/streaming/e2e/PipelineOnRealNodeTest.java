package dev.pipelines.streaming.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.pipelines.streaming.api.lease.CommitLedger;
import dev.pipelines.streaming.api.lease.LeaseHolders;
import dev.pipelines.streaming.operator.driver.DriverNames;
import dev.pipelines.streaming.operator.testing.ClusterUser;
import dev.pipelines.streaming.operator.why.Diagnosis;
import dev.pipelines.streaming.operator.why.PipelineEvidence;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
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
  static ClusterUser user;
  static DriverLogs driverLogs;

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
    if (driverLogs != null) {
      driverLogs.close();
    }
    RealNode.removePipelineNamespace(client, ns);
  }

  @Test
  void aPipelineLivesOnARealNode() throws Exception {
    user = new ClusterUser(client, ns, "clicks");
    driverLogs = new DriverLogs(client, ns, Path.of("target", "driver-logs", ns));
    user.apply(PIPELINE.replace("NS", ns).replace("STORAGE", ns));

    user.step("1. Ready only once a batch committed; Spark made the executors; rows arrive", () -> {
      user.awaitReady("first driver", "clicks-driver-1");
      assertThat(user.pod("clicks-driver-1").getStatus().getPhase()).isEqualTo("Running");
      user.await("2 executor pods Running", () -> user.runningExecutors() == 2, Duration.ofMinutes(3));
      awaitRows(100);
      assertThat(client.pods().inNamespace(ns).withName("clicks-driver-1").getLog())
          .as("the driver logs as the runner does locally, not at Spark's INFO default")
          .contains("[events] writing").doesNotContain(" INFO SparkContext:", "INFO  SparkContext:");
      String executor = client.pods().inNamespace(ns).withLabel("spark-role", "executor").list().getItems().get(0)
          .getMetadata().getName();
      assertThat(client.pods().inNamespace(ns).withName(executor).getLog()).as("executors too")
          .doesNotContain(" INFO Executor:", "INFO  Executor:");
      user.check("Lease", () -> assertThat(user.leaseHolder()).as("the running driver holds the checkpoint Lease").isEqualTo("clicks-driver-1"));
    });

    user.step("2. kubectl delete pod <driver>: the next attempt resumes from the checkpoint", () -> {
      client.pods().inNamespace(ns).withName("clicks-driver-1").delete();
      user.awaitReady("restarted driver", "clicks-driver-2");
      long beforeRestart = maxEventId();
      awaitRows(beforeRestart + 100);
      assertExactlyOnce();
      assertThat(user.status().restarts().count()).isEqualTo(1);
      user.check("Lease", () -> assertThat(user.leaseHolder()).as("released by the stopped driver, taken by the next").isEqualTo("clicks-driver-2"));
      assertOneCommitterAtATime("clicks-driver-1", "clicks-driver-2");
    });

    // 3. a compatible change (a filter) rolls out on the same checkpoint, even though the
    //    operator pod is deleted in the middle of it: never two drivers at once
    user.step("3. a compatible rollout while the operator pod is deleted", () -> {
      user.edit("filter: \"amount >= 0\"", "filter: \"amount >= -1\"");
      user.await("the old driver stopping", () -> user.pod("clicks-driver-2") == null
          || user.pod("clicks-driver-2").getMetadata().getDeletionTimestamp() != null, Duration.ofMinutes(1));
      client.pods().inNamespace(OPERATOR_NS).withLabel("app.kubernetes.io/name", "streaming-pipeline-operator").delete();
      user.await("generation 2 Ready, one driver at a time", () -> {
        assertThat(user.activeDrivers()).as("drivers running at once").hasSizeLessThanOrEqualTo(1);
        return user.readyWith("clicks-driver-3");
      }, Duration.ofMinutes(5));
      assertThat(user.pod("clicks-driver-3").getMetadata().getLabels()).containsEntry("streaming.pipelines.dev/generation", "2");
      awaitRows(maxEventId() + 100);
      assertExactlyOnce();
      assertOneCommitterAtATime("clicks-driver-1", "clicks-driver-2", "clicks-driver-3");
      // what spo why says of a healthy pipeline after a rollout (docs/operator.md shows one such report)
      System.out.println("spo why after the rollout:\n" + Diagnosis.of(PipelineEvidence.read(client, ns, "clicks", OPERATOR_NS)).text());
    });

    user.step("4. an incompatible change is refused, naming the field; the running driver keeps producing", () -> {
      user.edit("groupBy: [page]", "groupBy: [userId]");
      user.await("IncompatibleChange", () -> user.readyReason().equals("IncompatibleChange"), Duration.ofMinutes(2));
      assertThat(user.ready().message()).contains("spec.transforms[1].window.groupBy");
      long beforeRefusal = maxEventId();
      awaitRows(beforeRefusal + 50);
      assertThat(user.pod("clicks-driver-3").getStatus().getPhase()).isEqualTo("Running");
      assertExactlyOnce();
    });

    // 5. asked for a fresh checkpoint (and new output paths: a file sink's log would skip the new
    //    epoch's first batches), the change starts over in epoch 1
    user.step("5. a reset into checkpoint epoch 1", () -> {
      user.edit("/checkpoints/out/events", "/checkpoints/out2/events", "/checkpoints/out/counts", "/checkpoints/out2/counts",
          "upgrade: {stopTimeout: 20s}", "upgrade: {stopTimeout: 20s, onIncompatibleChange: resetCheckpoint}");
      user.awaitReady("epoch 1", "clicks-driver-4");
      assertThat(user.status().checkpoint().epoch()).isEqualTo(1);
      sink = "out2/events";
      awaitRows(100);
      assertExactlyOnce();
    });

    user.step("6. suspend: driver and executors go, the checkpoint stays; resume continues from it", () -> {
      user.edit("  restartPolicy:", "  suspend: true\n  restartPolicy:");
      user.await("suspended: no pods", () -> client.pods().inNamespace(ns).list().getItems().isEmpty(), Duration.ofMinutes(2));
      assertThat(user.status().phase()).isEqualTo("Suspended");
      assertThat(volume.resolve(ns + "/epoch-1/clicks/events/commits")).isDirectory();
      long atSuspend = maxEventId();
      // resumed with no restarts left, for step 7's broken driver
      user.edit("suspend: true", "suspend: false", "restartPolicy: {initialBackoff: 1s}",
          "restartPolicy: {initialBackoff: 1s, maxRestarts: 0}");
      user.awaitReady("resumed driver", "clicks-driver-5");
      awaitRows(atSuspend + 100);
      assertExactlyOnce();
      assertOneCommitterAtATime("clicks-driver-1", "clicks-driver-2", "clicks-driver-3", "clicks-driver-4", "clicks-driver-5");
    });

    // 7. a deliberately broken driver: it loses the checkpoint Lease (exit 4) and, with no
    //    restarts left, stays down. A step that expects Ready fails, and its message says why first.
    user.step("7. the driver loses its Lease and exits 4", () -> {
      user.takeCheckpointLease("intruder", 600);
      user.await("Failed", () -> "Failed".equals(user.status().phase()), Duration.ofMinutes(2));
    });
    Throwable broken = org.assertj.core.api.Assertions.catchThrowable(() -> user.step("7b. a step that expects Ready",
        () -> assertThat(user.ready().status()).as("Ready").isEqualTo("True")));
    assertThat(broken).isInstanceOf(ClusterUser.DiagnosedFailure.class);
    assertThat(broken.getMessage()).startsWith("why: driver clicks-driver-5 exited 4 (another driver took the checkpoint"
        + " Lease, or it could not be renewed) at ").contains(": [lease] lost the checkpoint Lease " + ns
        + "/clicks-checkpoint to intruder; the checkpoint Lease is now held by intruder since ");
    System.out.println("the failing step's message:\n" + broken.getMessage());

    user.step("8. deleting the pipeline removes everything it created", () -> {
      user.delete();
      user.await("everything gone", () -> user.leftovers().isEmpty(), Duration.ofMinutes(3));
    });
  }

  /** The files sink whose rows are checked, relative to the checkpoint volume. */
  static String sink = "out/events";

  static List<JsonNode> events() {
    return FileSinkLog.committedRows(volume.resolve(sink), "/checkpoints/" + sink);
  }

  static long maxEventId() {
    return events().stream().mapToLong(r -> r.get("eventId").asLong()).max().orElse(-1);
  }

  static void awaitRows(long eventId) throws Exception {
    user.await("event " + eventId + " in the files sink", () -> maxEventId() >= eventId, Duration.ofMinutes(3));
  }

  /**
   * After the fact, from what each driver logged as it committed and the checkpoint Lease's
   * holder history: every batch committed once, by one holder at a time, in the order they took
   * the Lease; and {@code drivers} are the holders so far, in that order (the live count of
   * running drivers in step 3 can miss a short overlap; this cannot).
   */
  static void assertOneCommitterAtATime(String... drivers) throws Exception {
    String last = drivers[drivers.length - 1];
    user.await(last + "'s commit lines followed", () -> driverLogs.ledger().commits().stream()
        .anyMatch(c -> c.holder().equals(last)), Duration.ofMinutes(1));
    user.check("one committing driver at a time (commit lines and Lease holder history)", () -> {
      List<LeaseHolders.Tenure> history = driverLogs.holderHistory(DriverNames.checkpointLease("clicks"));
      assertThat(history).extracting(LeaseHolders.Tenure::holder).as("the checkpoint Lease's takings").containsExactly(drivers);
      CommitLedger ledger = driverLogs.ledger();
      assertThat(ledger.violations(history)).as("commits that contradict one holder at a time").isEmpty();
    });
  }

  /** Every generated event id from 0 to the highest committed one, each exactly once. */
  static void assertExactlyOnce() {
    List<Long> ids = events().stream().map(r -> r.get("eventId").asLong()).sorted().toList();
    user.check("every event exactly once", () -> {
      assertThat(ids).as("no event twice").doesNotHaveDuplicates();
      assertThat(ids).as("no event missing").hasSize((int) (ids.get(ids.size() - 1) + 1));
    });
  }
}
