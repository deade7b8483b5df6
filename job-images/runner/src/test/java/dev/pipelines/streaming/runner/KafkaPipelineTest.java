package dev.pipelines.streaming.runner;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.KafkaBroker;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.RunnerProcess;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import dev.pipelines.streaming.runner.control.ProgressReader;
import dev.pipelines.streaming.runner.control.QueryProgress;
import dev.pipelines.streaming.runner.control.BatchTasks;
import dev.pipelines.streaming.runner.control.QualityTotals;
import dev.pipelines.streaming.runner.plan.GuardDrops;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.spark.metrics.source.CodegenMetrics;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.streaming.runtime.StreamingQueryWrapper;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Kafka source and sink against a real broker (KRaft, child JVM). */
class KafkaPipelineTest {
  static SparkSession spark;
  static KafkaBroker kafka;
  @TempDir Path dir;

  @BeforeAll
  static void start() {
    kafka = KafkaBroker.shared();
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private static Map.Entry<String, String> click(String user, String page, double amount, String time) {
    return Map.entry(user, """
        {"userId":"%s","page":"%s","amount":%s,"eventTime":"%s"}""".formatted(user, page, amount, time));
  }

  @Test
  void jsonFromKafkaFilteredAndWrittenBackWithKeys() {
    kafka.createTopic("orders-in", 2);
    kafka.produce("orders-in", List.of(
        click("u1", "/checkout", 12.5, "2026-01-01T10:00:00Z"),
        click("u2", "/home", 0, "2026-01-01T10:00:01Z"),
        click("u3", "/checkout", 99.0, "2026-01-01T10:00:02Z"),
        Map.entry("bad", "{not json")));
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: checkout}
        spec:
          sources:
            - name: clicks
              kafka: {bootstrapServers: "%1$s", topic: orders-in, startingOffsets: earliest, includeMetadata: true}
              schema:
                - {name: userId, type: string}
                - {name: page, type: string}
                - {name: amount, type: double}
                - {name: eventTime, type: timestamp}
          transforms:
            - {name: checkouts, from: clicks, filter: "page = '/checkout'"}
            - {name: out, from: checkouts, select: [userId, amount, "kafkaTopic AS fromTopic"]}
          sinks:
            - name: toKafka
              from: out
              trigger: {availableNow: true}
              kafka: {bootstrapServers: "%1$s", topic: checkouts-out, key: "upper(userId)"}
        """.formatted(kafka.bootstrapServers());

    assertThat(Pipelines.runToCompletion(spark, yaml, dir)).isZero();

    List<ConsumerRecord<String, String>> out = kafka.readAll("checkouts-out", 2, Duration.ofSeconds(30));
    assertThat(out).extracting(r -> r.key() + " " + r.value()).containsExactlyInAnyOrder(
        "U1 {\"userId\":\"u1\",\"amount\":12.5,\"fromTopic\":\"orders-in\"}",
        "U3 {\"userId\":\"u3\",\"amount\":99.0,\"fromTopic\":\"orders-in\"}");
  }

  /** includeHeaders: each record's headers reach the steps as text, in the order sent; a record without any has null. */
  @Test
  void headersReachTheStepsAsTextWhenAsked() {
    kafka.createTopic("tagged-in", 1);
    kafka.send(List.of(
        withHeaders(new ProducerRecord<>("tagged-in", "k1", "one"), "tenant", "acme", "trace", "t-1"),
        withHeaders(new ProducerRecord<>("tagged-in", "k2", "two"), "tenant", "other", "trace", "t-2"),
        new ProducerRecord<>("tagged-in", "k3", "three"),
        withHeaders(new ProducerRecord<>("tagged-in", "k4", "four"), "trace", "t-4a", "tenant", "acme", "trace", "t-4b")));
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: tagged}
        spec:
          sources:
            - name: records
              kafka: {bootstrapServers: "%1$s", topic: tagged-in, startingOffsets: earliest, includeHeaders: true}
              format: text
          transforms:
            - {name: acme, from: records, filter: "exists(kafkaHeaders, h -> h.key = 'tenant' AND h.value = 'acme')"}
            - name: out
              from: acme
              select: [value, "transform(filter(kafkaHeaders, h -> h.key = 'trace'), h -> h.value) AS traces", "size(kafkaHeaders) AS headerCount"]
          sinks:
            - name: toKafka
              from: out
              trigger: {availableNow: true}
              kafka: {bootstrapServers: "%1$s", topic: tagged-out}
        """.formatted(kafka.bootstrapServers());

    assertThat(Pipelines.runToCompletion(spark, yaml, dir)).isZero();

    assertThat(kafka.readAll("tagged-out", 2, Duration.ofSeconds(30))).extracting(ConsumerRecord::value).containsExactlyInAnyOrder(
        "{\"value\":\"one\",\"traces\":[\"t-1\"],\"headerCount\":2}",
        "{\"value\":\"four\",\"traces\":[\"t-4a\",\"t-4b\"],\"headerCount\":3}");
  }

  private static ProducerRecord<String, String> withHeaders(ProducerRecord<String, String> record, String... keysAndValues) {
    for (int i = 0; i < keysAndValues.length; i += 2) {
      record.headers().add(keysAndValues[i], keysAndValues[i + 1].getBytes(UTF_8));
    }
    return record;
  }

  @Test
  void theWatermarkGuardCountsInGeneratedCodeAndParsesEachValueOnce() throws Exception {
    kafka.createTopic("guarded-in", 1);
    // a number in a timestamp field is read as seconds: 1772359210000 is some 56,000 years ahead
    kafka.produce("guarded-in", List.of(click("u1", "/a", 1, "2026-03-01T10:00:05Z"),
        Map.entry("u2", "{\"userId\":\"u2\",\"eventTime\":1772359210000}")));
    QualityTotals quality = new QualityTotals(GuardDrops.of(spark));
    spark.streams().addListener(quality);
    ByteArrayOutputStream log = new ByteArrayOutputStream();
    // stateless, so the last execution is the batch that read the rows (no empty batch after it)
    StreamingQuery q = Pipelines.start(spark, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: guarded}
        spec:
          sources:
            - name: clicks
              kafka: {bootstrapServers: "%s", topic: guarded-in, startingOffsets: earliest}
              schema: [{name: userId, type: string}, {name: eventTime, type: timestamp}]
              watermark: {column: eventTime, delay: 10s}
          sinks:
            - {name: out, from: clicks, files: {path: "%s", format: json}}
        """.formatted(kafka.bootstrapServers(), dir.resolve("out")), dir.resolve("cp"), new PrintStream(log, true, UTF_8)).get(0);
    String plan;
    long compilations;
    try {
      q.processAllAvailable();
      plan = ((StreamingQueryWrapper) q).streamingQuery().lastExecution().executedPlan().treeString();
      // a second batch, with its own clock, runs the code the first one compiled
      long before = CodegenMetrics.METRIC_COMPILATION_TIME().getCount();
      kafka.produce("guarded-in", List.of(click("u3", "/b", 1, "2026-03-01T10:00:09Z")));
      q.processAllAvailable();
      compilations = CodegenMetrics.METRIC_COMPILATION_TIME().getCount() - before;
    } finally {
      q.stop();
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.streams().removeListener(quality);
    }
    assertThat(spark.read().json(dir.resolve("out").toString()).toJSON().collectAsList()).containsExactlyInAnyOrder(
        "{\"eventTime\":\"2026-03-01T10:00:05.000Z\",\"userId\":\"u1\"}", "{\"eventTime\":\"2026-03-01T10:00:09.000Z\",\"userId\":\"u3\"}");
    assertThat(quality.violations("out")).containsEntry("clicks.watermark.eventTimeNotAhead", 1L);
    assertThat(log.toString(UTF_8).lines()).contains("[out] batch 0: expectations of 'clicks.watermark': eventTimeNotAhead 1 "
        + "violated (event time more than watermark.maxAhead ahead of the clock; dropped)");

    // What bench/README.md (benchmark 1) measured: no CollectMetrics (Dataset.observe), which
    // whole-stage code generation cannot compile; the guard not pushed below the parse, which
    // would parse every value twice; the guard in a generated stage, marked *(n); and its clock
    // a BatchConstant, so that stage is not compiled again for every batch.
    assertThat(compilations).as("code generated for the second batch").isZero();
    assertThat(plan).doesNotContain("CollectMetrics");
    assertThat(plan.split("from_json\\(", -1)).as(plan).hasSize(2);
    assertThat(plan.lines().filter(l -> l.contains("spo_watermark_guard_drop")).toList()).as(plan).singleElement().asString()
        .containsPattern("\\*\\(\\d+\\) Project");
  }

  @Test
  void aRecreatedTopicFailsWithTheWholeReasonAndTheWaysOut() throws Exception {
    kafka.createTopic("recreated-in", 1);
    kafka.produce("recreated-in", List.of(click("u1", "/a", 1, "2026-01-01T10:00:00Z"),
        click("u2", "/a", 1, "2026-01-01T10:00:01Z"), click("u3", "/a", 1, "2026-01-01T10:00:02Z")));
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: recreated}
        spec:
          sources:
            - name: clicks
              kafka: {bootstrapServers: "%s", topic: recreated-in, startingOffsets: earliest}
              schema: [{name: userId, type: string}]
          sinks:
            - {name: out, from: clicks, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(kafka.bootstrapServers(), dir.resolve("out"));
    Path spec = java.nio.file.Files.writeString(dir.resolve("recreated.yaml"), yaml);
    RunnerProcess first = RunnerProcess.start(spec, dir.resolve("cp"), dir.resolve("first.log"));
    assertThat(first.awaitExit(Duration.ofMinutes(3))).as(first.log()).isZero();
    kafka.deleteTopic("recreated-in");
    kafka.createTopic("recreated-in", 1);
    kafka.produce("recreated-in", List.of(click("u4", "/a", 1, "2026-01-01T10:01:00Z")));

    Path terminationLog = java.nio.file.Files.writeString(dir.resolve("termination-log"), "");
    RunnerProcess resumed = RunnerProcess.start(Map.of("SPO_TERMINATION_MESSAGE_PATH", terminationLog.toString()),
        spec, dir.resolve("cp"), dir.resolve("resumed.log"));

    assertThat(resumed.awaitExit(Duration.ofMinutes(3))).as(resumed.log()).isEqualTo(ExitCodes.QUERY_FAILED);
    List<String> failure = List.of(
        "[out] failed: Kafka records this query had not read yet are gone (the topic was deleted and recreated, or they "
            + "expired before they were read): Partition recreated-in-0 offset was changed from 3 to 1. This could be "
            + "either 1) a user error that the start offset is set beyond available offset when starting query, or 2) "
            + "the kafka topic-partition is deleted and re-created.",
        "  To go on from what the topic holds now, accepting the loss: set failOnDataLoss: \"false\" in the Kafka "
            + "source's options (or, with spo run, start over with --reset-checkpoint).");
    assertThat(resumed.log().lines().dropWhile(l -> !l.startsWith("[out] failed:")).limit(2)).containsExactlyElementsOf(failure);
    assertThat(java.nio.file.Files.readString(terminationLog)).as("for the pod's terminated.message")
        .isEqualTo(String.join(System.lineSeparator(), failure));
  }

  @Test
  void tumblingWindowCountsFromKafkaToKafka() {
    kafka.createTopic("clicks-in", 1);
    kafka.produce("clicks-in", List.of(
        click("u1", "/home", 1, "2026-01-01T10:00:05Z"),
        click("u2", "/home", 2, "2026-01-01T10:00:15Z"),
        click("u1", "/cart", 3, "2026-01-01T10:00:45Z"),
        click("u3", "/home", 4, "2026-01-01T10:01:30Z"),
        // moves the watermark (delay 30s) past 10:02, closing the first two minutes
        click("u9", "/home", 5, "2026-01-01T10:05:00Z")));
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: page-views}
        spec:
          sources:
            - name: clicks
              kafka: {bootstrapServers: "%1$s", topic: clicks-in, startingOffsets: earliest}
              schema:
                - {name: userId, type: string}
                - {name: page, type: string}
                - {name: amount, type: double}
                - {name: eventTime, type: timestamp}
              watermark: {column: eventTime, delay: 30s}
          transforms:
            - name: perMinute
              from: clicks
              window:
                type: tumbling
                column: eventTime
                size: 1m
                groupBy: [page]
                aggregations: [{fn: count, as: views}, {fn: sum, column: amount, as: total}]
          sinks:
            - name: toKafka
              from: perMinute
              trigger: {availableNow: true}
              kafka: {bootstrapServers: "%1$s", topic: views-out, key: page}
        """.formatted(kafka.bootstrapServers());

    assertThat(Pipelines.runToCompletion(spark, yaml, dir)).isZero();

    List<ConsumerRecord<String, String>> out = kafka.readAll("views-out", 3, Duration.ofSeconds(30));
    assertThat(out).extracting(ConsumerRecord::value).containsExactlyInAnyOrder(
        "{\"windowStart\":\"2026-01-01T10:00:00.000Z\",\"windowEnd\":\"2026-01-01T10:01:00.000Z\",\"page\":\"/home\",\"views\":2,\"total\":3.0}",
        "{\"windowStart\":\"2026-01-01T10:00:00.000Z\",\"windowEnd\":\"2026-01-01T10:01:00.000Z\",\"page\":\"/cart\",\"views\":1,\"total\":3.0}",
        "{\"windowStart\":\"2026-01-01T10:01:00.000Z\",\"windowEnd\":\"2026-01-01T10:02:00.000Z\",\"page\":\"/home\",\"views\":1,\"total\":4.0}");
  }

  @Test
  void progressReportsKafkaBacklogPartitionsAndTasksForTheAutoscaler() throws Exception {
    kafka.createTopic("lagging", 3);
    List<Map.Entry<String, String>> records = new ArrayList<>();
    for (int i = 0; i < 30; i++) {
      records.add(click("u" + i, "/home", i, "2026-01-01T10:00:00Z"));
    }
    kafka.produce("lagging", records);
    BatchTasks tasks = new BatchTasks();
    spark.sparkContext().addSparkListener(tasks);
    StreamingQuery q = spark.readStream().format("kafka")
        .option("kafka.bootstrap.servers", kafka.bootstrapServers()).option("subscribe", "lagging")
        .option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", 6).load()
        .writeStream().format("noop").option("checkpointLocation", dir.resolve("cp").toString()).start();
    try {
      q.processAllAvailable();
    } finally {
      q.stop();
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.sparkContext().removeSparkListener(tasks);
    }
    List<QueryProgress> batches = Arrays.stream(q.recentProgress()).filter(p -> p.numInputRows() > 0)
        .map(p -> ProgressReader.of(q, p, tasks.batch(q.id().toString(), p.batchId()))).toList();
    // about 6 of 30 records per batch: the first batch leaves records behind, the last none
    assertThat(batches.size()).isGreaterThanOrEqualTo(5);
    assertThat(batches).allSatisfy(b -> assertThat(b.kafkaPartitions()).isEqualTo(3));
    assertThat(batches.get(0).offsetsBehindLatest()).isPositive();
    assertThat(batches.get(batches.size() - 1).offsetsBehindLatest()).isZero();
    assertThat(batches.stream().mapToLong(QueryProgress::numInputRows).sum()).isEqualTo(30);
    // the backlog is every record not yet read, over all partitions: 30 minus what was read so far
    long read = 0;
    for (QueryProgress b : batches) {
      read += b.numInputRows();
      assertThat(b.backlog()).as("backlog after batch " + b.batchId()).isEqualTo(30 - read);
    }
    assertThat(batches.get(0).backlog()).isGreaterThan(batches.get(0).offsetsBehindLatest());
    // one task per Kafka partition, no shuffle: 3 useful task slots; the executors worked on each
    assertThat(batches).allSatisfy(b -> {
      assertThat(b.maxStageTasks()).isEqualTo(3);
      assertThat(b.taskMillis()).isNotNull().isLessThanOrEqualTo(3 * b.busyMillis());
    });
    assertThat(batches.stream().mapToLong(QueryProgress::taskMillis).sum()).isPositive();
  }
}
