package dev.pipelines.streaming.runner;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.run.GracefulShutdown;
import dev.pipelines.streaming.runner.run.PipelineRunner;
import dev.pipelines.streaming.runner.testing.KafkaBroker;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Spark's real-time mode end to end: a stateless Kafka-to-Kafka pipeline, every record out, across a restart. */
class RealTimeModeTest {
  static SparkSession spark;
  @TempDir Path dir;

  @BeforeAll
  static void startSpark() {
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static List<Map.Entry<String, String>> payments(int from, int to) {
    return IntStream.range(from, to).mapToObj(i -> Map.entry("p" + i,
        "{\"paymentId\":\"p" + i + "\",\"amount\":" + (i % 3 == 0 ? -1 : i) + "}")).toList();
  }

  @Test
  void statelessKafkaToKafkaDeliversEveryRecordAtLeastOnceAcrossARestart() throws Exception {
    KafkaBroker kafka = KafkaBroker.shared();
    kafka.createTopic("rt-in", 1);
    kafka.createTopic("rt-out", 1);
    kafka.produce("rt-in", payments(0, 30));
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: rt}
        spec:
          sources:
            - name: payments
              kafka: {bootstrapServers: "%1$s", topic: rt-in, startingOffsets: earliest}
              schema: [{name: paymentId, type: string}, {name: amount, type: double}]
          transforms:
            - name: paid
              from: payments
              select: [paymentId, amount]
              expectations: [{name: positive, condition: "amount > 0", onViolation: drop}]
            - {name: shaped, from: paid, select: [paymentId, "amount * 100 AS cents"]}
          sinks:
            - name: out
              from: shaped
              trigger: {realTime: 5s}
              kafka: {bootstrapServers: "%1$s", topic: rt-out, key: paymentId}
        """.formatted(kafka.bootstrapServers());

    List<StreamingQuery> first = Pipelines.start(spark, yaml, dir.resolve("cp"));
    kafka.produce("rt-in", payments(30, 60)); // while the long-running batch runs
    List<ConsumerRecord<String, String>> out = kafka.readAll("rt-out", 40, Duration.ofSeconds(90));
    assertThat(out).hasSize(40);
    first.forEach(PipelineRunner::stopNow);

    kafka.produce("rt-in", payments(60, 90));
    List<StreamingQuery> second = Pipelines.start(spark, yaml, dir.resolve("cp"));
    List<String> expected = IntStream.range(0, 90).filter(i -> i % 3 != 0).mapToObj(i -> "p" + i).toList();
    List<ConsumerRecord<String, String>> all = List.of();
    long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
    while (System.nanoTime() < deadline) { // the records after the restart arrive as the broker hands them over
      all = kafka.readAll("rt-out", 0, Duration.ofSeconds(2));
      if (all.stream().map(ConsumerRecord::key).toList().containsAll(expected)) {
        break;
      }
    }
    second.forEach(PipelineRunner::stopNow);

    List<String> keys = new ArrayList<>(all.stream().map(ConsumerRecord::key).toList());
    // Kafka's sink is at least once: a stop mid-batch may repeat records of that batch, never lose one.
    assertThat(keys).containsAll(expected);
    assertThat(all.stream().filter(r -> r.key().equals("p4")).findFirst().orElseThrow().value())
        .isEqualTo("{\"paymentId\":\"p4\",\"cents\":400.0}");
  }

  @Test
  void anAggregateInSqlIsRefusedBeforeStartAndTooFewTaskSlotsRefuseTheStart() {
    KafkaBroker kafka = KafkaBroker.shared();
    kafka.createTopic("rt-wide", 3);
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: rt-sized}
        spec:
          sources:
            - name: payments
              kafka: {bootstrapServers: "%1$s", topic: rt-wide}
              schema: [{name: paymentId, type: string}, {name: amount, type: double}]
          transforms:
            - {name: totals, from: payments, sql: "SELECT paymentId, sum(amount) AS total FROM payments GROUP BY paymentId"}
          sinks:
            - {name: out, from: %2$s, trigger: {realTime: 5s}, kafka: {bootstrapServers: "%1$s", topic: rt-wide-out}}
        """;
    var aggregate = org.assertj.core.api.Assertions.catchThrowableOfType(dev.pipelines.streaming.runner.plan.PlanningException.class,
        () -> dev.pipelines.streaming.runner.plan.PipelinePlanner.plan(spark,
            Pipelines.parse(yaml.formatted(kafka.bootstrapServers(), "totals")),
            new dev.pipelines.streaming.runner.plan.StandInSources(spark)));
    assertThat(aggregate.problems()).extracting(Object::toString).containsExactly(
        "spec.sinks[0].trigger.realTime: real-time mode runs stateless queries only; this one has an aggregation "
            + "(GROUP BY or an aggregate function) (use a processingTime trigger for this sink)");

    var sized = org.assertj.core.api.Assertions.catchThrowableOfType(dev.pipelines.streaming.runner.plan.PlanningException.class,
        () -> Pipelines.start(spark, yaml.formatted(kafka.bootstrapServers(), "payments"), dir.resolve("cp")));
    assertThat(sized.problems()).extracting(Object::toString).containsExactly(
        "spec.sinks[0].trigger.realTime: real-time mode runs every task of its queries at once, for the whole batch: "
            + "they need 3 task slots (Kafka partitions: out reads payments: 3), Spark has 2 (local[2]) (give "
            + "spec.executor instances × cores at least 3 (locally: --master local[3]))");
    assertThat(spark.streams().active()).isEmpty();
  }

  /** Payments with a positive amount from topic {@code <name>-in} to {@code <name>-out}, the sink's trigger {@code trigger}. */
  private static String paidPipeline(String name, String trigger) {
    return """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: %2$s}
        spec:
          sources:
            - name: payments
              kafka: {bootstrapServers: "%1$s", topic: %2$s-in, startingOffsets: earliest}
              schema: [{name: paymentId, type: string}, {name: amount, type: double}]
          transforms:
            - {name: paid, from: payments, filter: "amount > 0"}
          sinks:
            - {name: out, from: paid, trigger: %3$s, kafka: {bootstrapServers: "%1$s", topic: %2$s-out, key: paymentId}}
        """.formatted(KafkaBroker.shared().bootstrapServers(), name, trigger);
  }

  @Test
  void aMicroBatchCheckpointResumesInRealTimeMode() {
    KafkaBroker kafka = KafkaBroker.shared();
    kafka.createTopic("rt-switch-in", 1);
    kafka.createTopic("rt-switch-out", 1);
    kafka.produce("rt-switch-in", payments(0, 30));
    assertThat(Pipelines.runToCompletion(spark, paidPipeline("rt-switch", "{availableNow: true}"),
        dir.resolve("cp"))).isZero();
    assertThat(kafka.readAll("rt-switch-out", 20, Duration.ofSeconds(30))).hasSize(20);

    kafka.produce("rt-switch-in", payments(30, 60));
    List<StreamingQuery> realTime = Pipelines.start(spark, paidPipeline("rt-switch", "{realTime: 5s}"),
        dir.resolve("cp"));
    List<ConsumerRecord<String, String>> all = kafka.readAll("rt-switch-out", 40, Duration.ofSeconds(90));
    realTime.forEach(PipelineRunner::stopNow);
    // Nothing read again from the micro-batch run, nothing missed after it.
    assertThat(all.stream().map(ConsumerRecord::key)).containsExactlyElementsOf(
        IntStream.range(0, 60).filter(i -> i % 3 != 0).mapToObj(i -> "p" + i).toList());
  }

  @Test
  void aGracefulStopCommitsTheRunningBatchAndAMicroBatchRunResumesAfterIt() {
    KafkaBroker kafka = KafkaBroker.shared();
    kafka.createTopic("rt-back-in", 1);
    kafka.createTopic("rt-back-out", 1);
    kafka.produce("rt-back-in", payments(0, 30));
    List<StreamingQuery> realTime = Pipelines.start(spark, paidPipeline("rt-back", "{realTime: 5s}"),
        dir.resolve("cp"));
    assertThat(kafka.readAll("rt-back-out", 20, Duration.ofSeconds(90))).hasSize(20);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    // what SIGTERM does: the running batch (up to the 5 s interval) finishes and commits, then the query stops
    new GracefulShutdown(realTime, Duration.ofSeconds(60), new PrintStream(log, true, UTF_8)).stopAll();
    assertThat(realTime).noneMatch(StreamingQuery::isActive);
    assertThat(log.toString(UTF_8)).contains("[out] stopping after the current batch").containsPattern("\\[out\\] stopped at batch \\d+");

    kafka.produce("rt-back-in", payments(30, 60));
    assertThat(Pipelines.runToCompletion(spark, paidPipeline("rt-back", "{availableNow: true}"),
        dir.resolve("cp"))).isZero();
    // The committed real-time batch is not read again, and the micro-batch run reads what came after it.
    assertThat(kafka.readAll("rt-back-out", 40, Duration.ofSeconds(30)).stream().map(ConsumerRecord::key))
        .containsExactlyElementsOf(IntStream.range(0, 60).filter(i -> i % 3 != 0).mapToObj(i -> "p" + i).toList());
  }
}
