package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import static dev.pipelines.streaming.runner.testing.FileSinkOutput.committedBatches;

import dev.pipelines.streaming.api.lease.CommitLedger;
import dev.pipelines.streaming.api.lease.LeaseHolders;
import dev.pipelines.streaming.runner.testing.RunnerProcess;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import dev.pipelines.streaming.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Fencing with a real API server: two runners on one checkpoint, each holding out for the
 * checkpoint Lease. Only the holder runs; the other waits and says for whom. When the holder
 * is killed (no release) the other takes over once the Lease expires and continues from the
 * checkpoint; when someone else takes the Lease, that runner stops committing and exits 4.
 * At the end the files sink holds every generated row exactly once.
 */
class CheckpointLeaseTest {
  @TempDir Path dir;

  @Test
  void onlyTheLeaseHolderCommits() throws Exception {
    KubernetesClient admin = RealApiServer.adminClient();
    String ns = "fence-" + UUID.randomUUID().toString().substring(0, 6);
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    Map<String, String> env = Map.of("KUBECONFIG", RealApiServer.kubeconfigFile().toString());
    String lease = ns + "/fenced-checkpoint";
    Path out = dir.resolve("out");
    Path spec = dir.resolve("pipeline.yaml");
    Files.writeString(spec, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: fenced}
        spec:
          sources:
            - name: clicks
              generator: {rowsPerSecond: 100}
          sinks:
            - name: archive
              from: clicks
              trigger: {processingTime: 1s}
              files: {path: "%s", format: json}
        """.formatted(out));
    Path checkpoints = dir.resolve("checkpoints");

    RunnerProcess a = started(RunnerProcess.start(env, spec, checkpoints, dir.resolve("a.log"), "--lease", lease,
        "--lease-holder", "runner-a"));
    a.await("runner-a committing", () -> committedBatches(out) >= 2, Duration.ofMinutes(3));
    Path terminationLog = Files.createFile(dir.resolve("b-termination-log")); // the kubelet makes it in a container
    Map<String, String> envB = Map.of("KUBECONFIG", env.get("KUBECONFIG"), "SPO_TERMINATION_MESSAGE_PATH", terminationLog.toString());
    RunnerProcess b = started(RunnerProcess.start(envB, spec, checkpoints, dir.resolve("b.log"), "--lease", lease,
        "--lease-holder", "runner-b"));
    b.await("runner-b waiting for the Lease", () -> log(b).contains("[lease] waiting for the checkpoint Lease " + lease
        + ", held by runner-a"), Duration.ofMinutes(2));
    assertThat(log(b)).as("the waiting runner started no query").doesNotContain("[archive] writing");
    assertThat(holder(admin, ns)).isEqualTo("runner-a");

    a.kill(); // SIGKILL: the Lease is not released, runner-b waits for it to expire
    int atKill = committedBatches(out);
    b.await("runner-b taking over", () -> log(b).contains("[lease] took the checkpoint Lease " + lease), Duration.ofMinutes(1));
    b.await("runner-b committing", () -> committedBatches(out) >= atKill + 2, Duration.ofMinutes(2));
    assertThat(holder(admin, ns)).isEqualTo("runner-b");

    // someone else takes the Lease (as a driver that outlived a network partition would see it)
    // runner-b renews the Lease every few seconds: a write that lost that race (409) is tried again, as kubectl does
    for (int attempt = 1; ; attempt++) {
      try {
        admin.resources(Lease.class).inNamespace(ns).withName("fenced-checkpoint").edit(l -> {
          l.getSpec().setHolderIdentity("intruder");
          l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC));
          l.getSpec().setLeaseDurationSeconds(60);
          return l;
        });
        break;
      } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
        if (e.getCode() != 409 || attempt == 5) {
          throw e;
        }
      }
    }
    assertThat(b.awaitExit(Duration.ofMinutes(1))).as("exit code of a runner that lost its Lease").isEqualTo(4);
    assertThat(log(b)).contains("[lease] lost the checkpoint Lease " + lease + " to intruder: stopping, committing nothing more");
    assertThat(terminationLog).as("the pod's status says to whom (terminated.message)")
        .hasContent("[lease] lost the checkpoint Lease " + lease + " to intruder");

    // after the fact: the Lease's holder history and the commits each runner logged agree that
    // one runner committed at a time, runner-a's batches before runner-b's
    var taken = admin.resources(Lease.class).inNamespace(ns).withName("fenced-checkpoint").get();
    List<LeaseHolders.Tenure> history = LeaseHolders.parse(taken.getMetadata().getAnnotations().get(LeaseHolders.ANNOTATION));
    assertThat(history).extracting(LeaseHolders.Tenure::holder).as("each taking by a runner, in order; renewals add nothing")
        .containsExactly("runner-a", "runner-b");
    assertThat(history.get(1).acquired()).isAfter(history.get(0).acquired());
    CommitLedger ledger = CommitLedger.read(List.of(log(a), log(b)));
    assertThat(ledger.commits()).extracting(CommitLedger.Commit::holder).as("both committed").contains("runner-a", "runner-b");
    assertThat(ledger.commits()).extracting(CommitLedger.Commit::checkpoint).as("the sink's checkpoint")
        .allMatch(c -> c.endsWith("/fenced/archive"));
    assertThat(ledger.violations(history)).as("one committing runner at a time").isEmpty();

    SparkSession spark = SparkTestSession.create();
    try {
      Dataset<Row> rows = spark.read().json(out.toString());
      long total = rows.count();
      Row range = rows.selectExpr("min(eventId)", "max(eventId)").first();
      assertThat(rows.select("eventId").distinct().count()).as("no row duplicated").isEqualTo(total);
      assertThat(range.getLong(0)).as("first row kept").isZero();
      assertThat(range.getLong(1) + 1).as("no row lost: ids are contiguous").isEqualTo(total);
    } finally {
      spark.stop();
    }
  }

  /** Runners this test started: killed at the end whatever happened (1 GB JVMs each). */
  private final java.util.List<RunnerProcess> runners = new java.util.ArrayList<>();

  private RunnerProcess started(RunnerProcess runner) {
    runners.add(runner);
    return runner;
  }

  @org.junit.jupiter.api.AfterEach
  void killRunners() throws InterruptedException {
    for (RunnerProcess r : runners) {
      r.kill();
    }
  }

  private static String holder(KubernetesClient admin, String ns) {
    return admin.resources(Lease.class).inNamespace(ns).withName("fenced-checkpoint").get().getSpec().getHolderIdentity();
  }

  private static String log(RunnerProcess runner) {
    try {
      return runner.log();
    } catch (IOException e) {
      return "";
    }
  }

}
