package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.pipelines.streaming.runner.control.QualityTotals;
import dev.pipelines.streaming.runner.testing.KafkaBroker;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dead letters: unparsable rows and deadLetter rule violations reach the dead-letter sink with why and where. */
class DeadLetterTest {
  static SparkSession spark;
  static final ObjectMapper JSON = new ObjectMapper();
  @TempDir Path dir;

  @BeforeAll
  static void startSpark() {
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  @Test
  void kafkaRowsThatDoNotParseOrBreakARuleGoToTheDeadLetterTopic() throws Exception {
    KafkaBroker kafka = KafkaBroker.shared();
    kafka.createTopic("dl-in", 1);
    kafka.produce("dl-in", List.of(
        Map.entry("u1", "{\"userId\":\"u1\",\"amount\":12.5}"),
        Map.entry("u2", "{\"userId\":\"u2\",\"amount\":"),
        Map.entry("u3", "{\"userId\":\"u3\",\"amount\":\"lots\"}"),
        Map.entry("u4", "{\"userId\":\"u4\",\"amount\":-5}"),
        Map.entry("u5", "{\"userId\":\"u5\",\"amount\":3}"),
        Map.entry("u6", "")));
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: payments}
        spec:
          sources:
            - name: payments
              kafka: {bootstrapServers: "%1$s", topic: dl-in, startingOffsets: earliest}
              schema: [{name: userId, type: string}, {name: amount, type: double}]
          transforms:
            - name: checked
              from: payments
              select: [userId, amount]
              expectations:
                - {name: positive, condition: "amount > 0", onViolation: deadLetter}
          sinks:
            - {name: out, from: checked, trigger: {availableNow: true}, files: {path: "%2$s", format: json}}
            - name: rejected
              from: deadLetters
              trigger: {availableNow: true}
              kafka: {bootstrapServers: "%1$s", topic: dl-out, key: step}
        """.formatted(kafka.bootstrapServers(), dir.resolve("out"));
    QualityTotals quality = new QualityTotals(dev.pipelines.streaming.runner.plan.GuardDrops.of(spark));
    quality.countOnlyOwnRules(List.of("rejected")); // as the runner sets its own up for dead-letter sinks
    spark.streams().addListener(quality);
    try {
      assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve("cp"))).isZero();
      spark.sparkContext().listenerBus().waitUntilEmpty();
    } finally {
      spark.streams().removeListener(quality);
    }

    List<String> good = spark.read().json(dir.resolve("out").toString()).orderBy("userId").toJSON().collectAsList();
    assertThat(good).containsExactly("{\"amount\":12.5,\"userId\":\"u1\"}", "{\"amount\":3.0,\"userId\":\"u5\"}");

    List<ConsumerRecord<String, String>> letters = kafka.readAll("dl-out", 4, Duration.ofSeconds(60));
    assertThat(letters).hasSize(4);
    List<JsonNode> sorted = letters.stream().map(r -> read(r.value())).sorted(Comparator.comparing(v -> v.path("value").asText()))
        .toList();
    JsonNode empty = sorted.get(0); // an empty value is a dead letter too, not a row of nulls
    assertThat(empty.path("value").asText()).isEmpty();
    assertThat(empty.path("offset").asLong()).isEqualTo(5);
    List<JsonNode> values = sorted.subList(1, 4);
    assertThat(letters.stream().map(ConsumerRecord::key)).containsExactlyInAnyOrder("payments", "payments", "payments", "checked");
    assertThat(values.get(0).toString()).isEqualTo("{\"pipeline\":\"payments\",\"step\":\"payments\",\"reason\":\"unparsable\","
        + "\"error\":\"not valid JSON for the declared schema\",\"topic\":\"dl-in\",\"partition\":0,\"offset\":1,"
        + "\"value\":\"{\\\"userId\\\":\\\"u2\\\",\\\"amount\\\":\",\"rejectedAt\":\"" + values.get(0).path("rejectedAt").asText() + "\"}");
    assertThat(values.get(1).path("offset").asLong()).isEqualTo(2);
    assertThat(values.get(1).path("reason").asText()).isEqualTo("unparsable");
    assertThat(values.get(1).path("value").asText()).isEqualTo("{\"userId\":\"u3\",\"amount\":\"lots\"}");
    assertThat(values.get(2).toString()).isEqualTo("{\"pipeline\":\"payments\",\"step\":\"checked\",\"reason\":\"expectation\","
        + "\"error\":\"expectation 'positive' failed: amount > 0\",\"value\":\"{\\\"userId\\\":\\\"u4\\\",\\\"amount\\\":-5.0}\","
        + "\"rejectedAt\":\"" + values.get(2).path("rejectedAt").asText() + "\"}");
    // counted as each step's rule violations, in /progress, /metrics and status
    assertThat(quality.violations("out")).containsEntry("payments.parsable", 3L).containsEntry("checked.positive", 1L);
    // the dead-letter query re-runs the steps before the rules; their counts are the main query's
    assertThat(quality.violations("rejected")).isNullOrEmpty();
  }

  @Test
  void aFileLineThatDoesNotParseNamesItsFile() throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("batch-1.csv"), "sensor,value\nu1,10\nu2,ten\nu3,30\n");
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: readings}
        spec:
          sources:
            - name: readings
              files: {path: "%s", format: csv}
              schema: [{name: sensor, type: string}, {name: value, type: int}]
          sinks:
            - {name: out, from: readings, trigger: {availableNow: true}, files: {path: "%s", format: json}}
            - {name: rejected, from: deadLetters, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(in, dir.resolve("out"), dir.resolve("rejected"));

    assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve("cp"))).isZero();

    assertThat(spark.read().json(dir.resolve("out").toString()).orderBy("sensor").toJSON().collectAsList())
        .containsExactly("{\"sensor\":\"u1\",\"value\":10}", "{\"sensor\":\"u3\",\"value\":30}");
    List<Row> rejected = spark.read().json(dir.resolve("rejected").toString()).collectAsList();
    assertThat(rejected).hasSize(1);
    assertThat(rejected.get(0).<String>getAs("step")).isEqualTo("readings");
    assertThat(rejected.get(0).<String>getAs("error")).isEqualTo("not valid CSV for the declared schema");
    assertThat(rejected.get(0).<String>getAs("value")).isEqualTo("u2,ten");
    assertThat(rejected.get(0).<String>getAs("file")).endsWith("/batch-1.csv");
  }

  @Test
  void aFileRowIsParsedTheSameWayWhateverColumnsTheQueryReads() throws Exception {
    Path in = Files.createDirectories(dir.resolve("events"));
    Files.writeString(in.resolve("1.json"), """
        {"id":"a","amount":1,"note":"x"}
        {"id":"b","amount":"bad","note":"y"}
        {"id":"c","amount":3,"note":"z"}
        """);
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: events}
        spec:
          sources:
            - name: events
              files: {path: "%s", format: json, maxFilesPerTrigger: 1}
              schema: [{name: id, type: string}, {name: amount, type: int}, {name: note, type: string}]
          transforms:
            - {name: notes, from: events, select: [id, note]}
            - {name: counted, from: events, sql: "SELECT count(*) AS n FROM events"}
          sinks:
            - {name: out, from: notes, trigger: {availableNow: true}, files: {path: "%s", format: json}}
            - {name: total, from: counted, outputMode: complete, trigger: {availableNow: true}, console: {}}
            - {name: rejected, from: deadLetters, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(in, dir.resolve("out"), dir.resolve("rejected"));

    assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve("cp"))).isZero();

    // 'b' has a bad amount: out never reads amount, yet 'b' is rejected there too, and only once
    assertThat(spark.read().json(dir.resolve("out").toString()).orderBy("id").toJSON().collectAsList())
        .containsExactly("{\"id\":\"a\",\"note\":\"x\"}", "{\"id\":\"c\",\"note\":\"z\"}");
    assertThat(spark.read().json(dir.resolve("rejected").toString()).select("value").as(org.apache.spark.sql.Encoders.STRING())
        .collectAsList()).containsExactly("{\"id\":\"b\",\"amount\":\"bad\",\"note\":\"y\"}");
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (Exception e) {
      throw new AssertionError(json, e);
    }
  }
}
