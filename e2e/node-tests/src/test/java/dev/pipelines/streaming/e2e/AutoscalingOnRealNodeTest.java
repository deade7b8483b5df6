package dev.pipelines.streaming.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.status.AutoscalerStatus;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.testing.ClusterUser;
import dev.pipelines.streaming.runner.testing.KafkaBroker;
import io.fabric8.kubernetes.api.model.Event;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Autoscaling on real executor pods: a Kafka topic of 4 partitions, a pipeline with
 * {@code minExecutors: 1, maxExecutors: 3} whose executors may use half a core each (a CPU
 * limit, as on a shared cluster: one executor cannot keep up with the burst, three can do more),
 * and a producer that steps its rate up (a burst of a million records, read at most 150,000 per
 * 5-second batch) and then down (a trickle). Half-core executors spend a few hundred
 * milliseconds per task even on a handful of rows; with 5-second batches a trickle keeps one
 * executor well under the target utilization, so the scale-down back to 1 is the policy's
 * rule, not luck. The test
 * records the executor <b>pods</b> over time and checks what a user would: executors were added
 * while the backlog was high, the scale-down really removed pods (Spark decommissioned them),
 * every record reached the files sink exactly once, and the direction changed at most once per
 * stabilization window. The timeline is printed and written to
 * {@code target/autoscaling-timeline.txt} (bench/real-node-autoscaling.sh reports it).
 */
class AutoscalingOnRealNodeTest {
  static final int BURST = 1_000_000;
  static final int TRICKLE_PER_SECOND = 100;
  static final Duration DOWN_STABILIZATION = Duration.ofSeconds(45);
  static final Path TIMELINE = Path.of("target", "autoscaling-timeline.txt");

  static KafkaNamespace node;
  static KafkaBroker kafka;
  static ClusterUser user;

  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: load, namespace: NS}
      spec:
        checkpoint: {pvc: {storageClassName: NS, size: 1Gi}}
        driver: {memory: 768m}
        executor: {instances: 1, memory: 768m}
        sparkConf:
          spark.kubernetes.driver.request.cores: 200m
          spark.kubernetes.executor.request.cores: 200m
          spark.kubernetes.executor.limit.cores: 500m
        autoscaling:
          minExecutors: 1
          maxExecutors: 3
          catchUpDuration: 20s
          metricsWindow: 30s
          scaleUpStabilization: 15s
          scaleDownStabilization: 45s
        sources:
          - name: records
            kafka: {bootstrapServers: "KAFKA", topic: load, startingOffsets: earliest,
                    options: {maxOffsetsPerTrigger: "150000"}}
            format: json
            schema:
              - {name: id, type: long}
              - {name: payload, type: string}
        sinks:
          - {name: out, from: records, trigger: {processingTime: 5s}, files: {path: /checkpoints/out/load, format: json}}
      """;

  /** One look at the cluster: executor pods running, and what status said. */
  record Sample(Duration at, long executorPods, Integer desired, Integer registered, Integer pending, Long backlog,
      String reason) {}

  @BeforeAll
  static void start() throws Exception {
    node = KafkaNamespace.start("scale");
    kafka = node.kafka();
    kafka.createTopic("load", 4);
  }

  @AfterAll
  static void stop() {
    if (node != null) {
      node.close();
    }
  }

  @Test
  void executorPodsFollowTheBacklogUpAndDownWithoutLosingARecord() throws Exception {
    user = new ClusterUser(node.client(), node.ns(), "load");
    user.apply(node.pipeline(PIPELINE));
    user.awaitReady("driver", "load-driver-1");
    user.await("1 executor pod Running", () -> user.runningExecutors() == 1, Duration.ofMinutes(3));

    Instant t0 = Instant.now();
    List<Sample> timeline = new CopyOnWriteArrayList<>();
    AtomicBoolean recording = new AtomicBoolean(true);
    Thread recorder = new Thread(() -> record(t0, timeline, recording), "timeline");
    recorder.setDaemon(true);
    recorder.start();
    int sent = 0;
    try {
      // step up: a burst, sent in chunks (the pipeline starts reading while the rest is sent)
      for (int chunk = 0; chunk < BURST; chunk += 100_000) {
        kafka.produce("load", records(sent, 100_000));
        sent += 100_000;
      }
      user.await("a scale-up to more than 1 executor pod", () -> user.runningExecutors() > 1, Duration.ofMinutes(4));

      // step down: a trickle, until the scale-down has removed pods and settled at 1
      Trickle trickle = new Trickle(sent);
      Thread producer = new Thread(trickle, "trickle");
      producer.start();
      try {
        user.await("the backlog cleared", () -> backlog() != null && backlog() < 1000, Duration.ofMinutes(6));
        user.await("a scale-down back to 1 executor pod", () -> user.runningExecutors() == 1
            && status().autoscaler() != null && Integer.valueOf(1).equals(status().autoscaler().desired()),
            Duration.ofMinutes(6));
      } finally {
        trickle.stop();
        producer.join();
      }
      sent = trickle.next;
      int expected = sent;
      user.await(expected + " records in the files sink", () -> committedIds().size() >= expected, Duration.ofMinutes(3));
    } finally {
      recording.set(false);
      recorder.join();
      writeTimeline(timeline);
    }

    List<Long> ids = committedIds();
    int expected = sent;
    user.check("every record exactly once", () -> {
      assertThat(ids).as("no record twice").doesNotHaveDuplicates();
      assertThat(ids).as("no record missing").hasSize(expected);
      assertThat(ids.get(ids.size() - 1)).isEqualTo(expected - 1L);
    });
    user.check("executor pods went up, then really down", () -> {
      long most = timeline.stream().mapToLong(Sample::executorPods).max().orElse(0);
      assertThat(most).as("most executor pods at once").isBetween(2L, 3L);
      int peak = indexOfFirst(timeline, most);
      assertThat(timeline.subList(peak, timeline.size())).as("pods after the peak").anySatisfy(s ->
          assertThat(s.executorPods()).isEqualTo(1));
      assertThat(timeline.get(timeline.size() - 1).executorPods()).isEqualTo(1);
    });
    List<Scaled> scaled = scaledEvents();
    user.check("Scaled events: up, then down, at most one direction change per window", () -> {
      assertThat(scaled).as("Scaled events").isNotEmpty();
      assertThat(scaled.get(0).to()).isGreaterThan(scaled.get(0).from());
      assertThat(scaled.get(scaled.size() - 1).to()).isEqualTo(1);
      List<Instant> changes = new ArrayList<>();
      for (int i = 1; i < scaled.size(); i++) {
        if (Integer.signum(scaled.get(i).to() - scaled.get(i).from())
            != Integer.signum(scaled.get(i - 1).to() - scaled.get(i - 1).from())) {
          changes.add(scaled.get(i).at());
        }
      }
      for (int i = 1; i < changes.size(); i++) {
        assertThat(Duration.between(changes.get(i - 1), changes.get(i))).isGreaterThanOrEqualTo(DOWN_STABILIZATION);
      }
    });
  }

  /** A steady trickle of records, ids continuing from {@code next}. */
  static final class Trickle implements Runnable {
    volatile boolean running = true;
    volatile int next;

    Trickle(int first) {
      next = first;
    }

    @Override
    public void run() {
      while (running) {
        kafka.produce("load", records(next, TRICKLE_PER_SECOND));
        next += TRICKLE_PER_SECOND;
        try {
          Thread.sleep(1000);
        } catch (InterruptedException e) {
          return;
        }
      }
    }

    void stop() {
      running = false;
    }
  }

  static List<Map.Entry<String, String>> records(int from, int count) {
    List<Map.Entry<String, String>> out = new ArrayList<>(count);
    String payload = "x".repeat(100);
    for (int i = from; i < from + count; i++) {
      out.add(Map.entry(String.valueOf(i), "{\"id\":" + i + ",\"payload\":\"" + payload + "\"}"));
    }
    return out;
  }

  static PipelineStatus status() {
    return user.status();
  }

  static Long backlog() {
    PipelineStatus s = status();
    return s == null || s.progress() == null ? null : s.progress().lag();
  }

  static List<Long> committedIds() {
    return FileSinkLog.committedRows(node.volume().resolve("out/load"), "/checkpoints/out/load").stream()
        .map(r -> r.get("id").asLong()).sorted().toList();
  }

  static void record(Instant t0, List<Sample> timeline, AtomicBoolean recording) {
    while (recording.get()) {
      try {
        PipelineStatus s = status();
        AutoscalerStatus a = s == null ? null : s.autoscaler();
        timeline.add(new Sample(Duration.between(t0, Instant.now()), user.runningExecutors(),
            a == null ? null : a.desired(), a == null ? null : a.current(), a == null ? null : a.pending(), backlog(),
            a == null ? "" : a.reason()));
      } catch (RuntimeException e) {
        // the API server busy for a moment: the next sample
      }
      try {
        Thread.sleep(2000);
      } catch (InterruptedException e) {
        return;
      }
    }
  }

  static int indexOfFirst(List<Sample> timeline, long pods) {
    for (int i = 0; i < timeline.size(); i++) {
      if (timeline.get(i).executorPods() == pods) {
        return i;
      }
    }
    return -1;
  }

  record Scaled(Instant at, int from, int to) {}

  static final Pattern SCALED = Pattern.compile("executors (\\d+) -> (\\d+):.*");

  /** The pipeline's Scaled events, oldest first. */
  static List<Scaled> scaledEvents() {
    List<Scaled> out = new ArrayList<>();
    for (Event e : node.client().v1().events().inNamespace(node.ns()).list().getItems()) {
      Matcher m = SCALED.matcher(e.getMessage() == null ? "" : e.getMessage());
      if ("Scaled".equals(e.getReason()) && m.matches()) {
        String when = e.getLastTimestamp() != null ? e.getLastTimestamp()
            : e.getEventTime() != null ? e.getEventTime().getTime() : e.getMetadata().getCreationTimestamp();
        out.add(new Scaled(Instant.parse(when), Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))));
      }
    }
    out.sort(Comparator.comparing(Scaled::at));
    return out;
  }

  static void writeTimeline(List<Sample> timeline) throws IOException {
    StringBuilder out = new StringBuilder(String.format("%8s %13s %8s %11s %8s %10s  %s%n",
        "second", "executorPods", "desired", "registered", "pending", "backlog", "autoscaler's reason"));
    for (Sample s : timeline) {
      out.append(String.format("%8d %13d %8s %11s %8s %10s  %s%n", s.at().toSeconds(), s.executorPods(), s.desired(),
          s.registered(), s.pending(), s.backlog(), s.reason()));
    }
    Files.createDirectories(TIMELINE.getParent());
    Files.writeString(TIMELINE, out);
    System.out.println("autoscaling timeline (" + TIMELINE + "):\n" + out);
  }
}
