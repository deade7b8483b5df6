package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.PlanningException;
import dev.pipelines.streaming.runner.plan.StandInSources;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** What Spark itself finds in a spec (SQL, columns, streaming rules), with field paths. */
class SparkValidationTest {
  static SparkSession spark;

  static final String HEADER = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: demo}
      spec:
        sources:
          - name: orders
            kafka: {bootstrapServers: "127.0.0.1:1", topic: orders}
            schema:
              - {name: orderId, type: string}
              - {name: amount, type: double}
              - {name: ts, type: timestamp}
      """;

  @BeforeAll
  static void startSpark() {
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  static List<String> problems(String yaml) {
    try {
      PipelinePlanner.plan(spark, Pipelines.parse(yaml), new StandInSources(spark));
      return List.of();
    } catch (PlanningException e) {
      return e.problems().stream().map(Problem::toString).toList();
    }
  }

  @Test
  void validPipelinePlans() {
    assertThat(problems(HEADER + """
          transforms:
            - {name: big, from: orders, filter: "amount > 10"}
            - {name: shaped, from: big, select: ["orderId", "amount * 2 AS doubled"]}
            - {name: q, from: [shaped, orders], sql: "SELECT s.orderId, o.ts FROM shaped s JOIN orders o ON s.orderId = o.orderId"}
          sinks:
            - {name: out, from: q, console: {}}
        """)).isEmpty();
  }

  /** A window in append mode reading SQL whose WATERMARK clause watermarks {@code eventTime} only. */
  static String sqlWatermarkThenWindowOn(String column) {
    return """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: demo}
        spec:
          sources:
            - name: ev
              kafka: {bootstrapServers: "127.0.0.1:1", topic: ev}
              schema: [{name: sensor, type: string}, {name: tsMillis, type: long}]
          transforms:
            - name: timed
              from: ev
              sql: >-
                SELECT sensor, eventTime, timestamp_millis(tsMillis + 1) AS otherTime
                FROM ev WATERMARK timestamp_millis(tsMillis) AS eventTime DELAY OF INTERVAL 10 SECONDS
            - name: perMinute
              from: timed
              window: {column: %s, size: 1m, aggregations: [{fn: count, as: readings}]}
          sinks:
            - {name: out, from: perMinute, outputMode: append, console: {}}
        """.formatted(column);
  }

  @Test
  void aWatermarkDeclaredInSqlCountsAndItsColumnIsTakenFromSparksPlan() {
    assertThat(problems(sqlWatermarkThenWindowOn("eventTime"))).isEmpty();
    assertThat(problems(sqlWatermarkThenWindowOn("otherTime"))).containsExactly(
        "spec.sinks[0].outputMode: append mode on aggregation 'perMinute' needs a watermark on its event-time column "
            + "'otherTime' (add watermark: {column: otherTime, delay: 30s} to the source or transform that has the "
            + "column, or set outputMode: update)");
  }

  /** A 1-minute window (of {@code type}) read by {@code next}, in append mode. */
  static String windowThen(String type, String next) {
    return """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: demo}
        spec:
          sources:
            - name: views
              kafka: {bootstrapServers: "127.0.0.1:1", topic: views}
              schema: [{name: page, type: string}, {name: ts, type: timestamp}]
              watermark: {column: ts, delay: 10s}
          transforms:
            - name: perMinute
              from: views
              window: {type: %s, column: ts, size: 1m, groupBy: [page], aggregations: [{fn: count, as: n}]}
            - {name: next, from: perMinute, %s}
          sinks:
            - {name: out, from: next, outputMode: append, console: {}}
        """.formatted(type.equals("sliding") ? "sliding, slide: 30s" : type, next);
  }

  @Test
  void stepsAfterAWindowKeepOneEventTimeAndChainsAreChecked() {
    assertThat(problems(windowThen("tumbling", "anomaly: {column: n, keys: [page]}"))).isEmpty();
    assertThat(problems(windowThen("tumbling", "dedupe: {keys: [page, windowStart]}"))).isEmpty();
    assertThat(problems(windowThen("tumbling",
        "window: {column: windowStart, size: 5m, groupBy: [page], aggregations: [{fn: sum, column: n}]}"))).isEmpty();
    assertThat(problems(windowThen("tumbling",
        "window: {column: windowEnd, size: 90s, aggregations: [{fn: sum, column: n}]}"))).containsExactly(
        "spec.transforms[1].window: 90s is not a multiple of the 1m window it reads: a finer window's row cannot be "
            + "split between coarser windows");
    assertThat(problems(windowThen("sliding",
        "window: {column: windowEnd, size: 5m, aggregations: [{fn: sum, column: n}]}"))).containsExactly(
        "spec.transforms[1].window: 'windowEnd' comes from a sliding window, whose rows overlap: a window can read only "
            + "a tumbling window's output (each event counted once)");
  }

  @Test
  void unknownColumnsAndBadSqlAreReportedPerField() {
    assertThat(problems(HEADER + """
          transforms:
            - {name: a, from: orders, filter: "amout > 10"}
            - {name: b, from: orders, select: ["orderId", "amount +* 2"]}
            - {name: c, from: orders, sql: "SELEC * FROM orders"}
            - {name: d, from: a, select: ["orderId"]}
          sinks:
            - {name: out, from: d, console: {}}
        """)).satisfiesExactly(
            a -> assertThat(a).isEqualTo("spec.transforms[0].filter: [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column,"
                + " variable, or function parameter with name `amout` cannot be resolved. Did you mean one of the"
                + " following? [`amount`, `ts`, `orderId`]."),
            b -> assertThat(b).isEqualTo(
                "spec.transforms[1].select[1]: [PARSE_SYNTAX_ERROR] Syntax error at or near '2': extra input '2'."),
            c -> assertThat(c).isEqualTo("spec.transforms[2].sql: [PARSE_SYNTAX_ERROR] Syntax error at or near 'SELEC'."));
  }

  @Test
  void windowColumnsAreResolved() {
    assertThat(problems(HEADER + """
              watermark: {column: ts, delay: 1m}
          transforms:
            - name: w
              from: orders
              window: {column: ts, size: 1m, groupBy: [custmer], aggregations: [{fn: sum, column: amount}]}
          sinks:
            - {name: out, from: w, console: {}}
        """)).singleElement().asString()
        .startsWith("spec.transforms[0].window.groupBy[0]: [UNRESOLVED_COLUMN.WITH_SUGGESTION]")
        .contains("`custmer`");
  }

  @Test
  void sparkStreamingRulesApplyToSqlAggregations() {
    assertThat(problems(HEADER + """
          transforms:
            - {name: totals, from: orders, sql: "SELECT orderId, sum(amount) AS total FROM orders GROUP BY orderId"}
          sinks:
            - {name: out, from: totals, console: {}}
        """)).singleElement().asString()
        .startsWith("spec.sinks[0]: ")
        .contains("[STREAMING_OUTPUT_MODE.UNSUPPORTED_OPERATION] Invalid streaming output mode: append")
        .contains("not supported for streaming aggregations without watermark");
  }

  @Test
  void kafkaKeyAndPartitionColumnsAreChecked() {
    assertThat(problems(HEADER + """
          sinks:
            - {name: k, from: orders, kafka: {bootstrapServers: "127.0.0.1:1", topic: out, key: "orderid +"}}
            - {name: f, from: orders, files: {path: /tmp/x, partitionBy: [day]}}
        """)).satisfiesExactly(
            k -> assertThat(k).startsWith("spec.sinks[0].kafka.key: [PARSE_SYNTAX_ERROR]"),
            f -> assertThat(f).startsWith("spec.sinks[1].files.partitionBy[0]: [UNRESOLVED_COLUMN")
                .contains("`day`"));
  }

  @Test
  void invalidSchemaTypeThatLooksPlausible() {
    assertThatThrownBy(() -> PipelinePlanner.plan(spark, Pipelines.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: demo}
        spec:
          sources:
            - name: s
              kafka: {bootstrapServers: "127.0.0.1:1", topic: t}
              schema: [{name: m, type: "map<string>"}]
          sinks: [{name: out, from: s, console: {}}]
        """), new StandInSources(spark)))
        .isInstanceOf(PlanningException.class)
        .hasMessageContaining("spec.sources[0].schema[0].type: ");
  }

  @Test
  void aDeadLetterTopicFedOnlyByHttpFailuresHasItsKeyCheckedAtStart() {
    List<String> found = problems("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: demo}
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks:
            - {name: hook, from: clicks, http: {url: "https://hooks.example.com/x", onDeliveryFailure: deadLetter}}
            - name: rejected
              from: deadLetters
              kafka: {bootstrapServers: "127.0.0.1:1", topic: t, key: userId}
              expectations: [{name: known, condition: "step IS NOT NULL"}]
        """);
    assertThat(found).hasSize(2);
    assertThat(found.get(0)).isEqualTo("spec.sinks[1].expectations: a sink fed only by failed HTTP deliveries runs no "
        + "query to check rules in");
    assertThat(found.get(1)).startsWith("spec.sinks[1].kafka.key: ").contains("userId");
    assertThat(problems("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: demo}
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks:
            - {name: hook, from: clicks, http: {url: "https://hooks.example.com/x", onDeliveryFailure: deadLetter}}
            - {name: rejected, from: deadLetters, kafka: {bootstrapServers: "127.0.0.1:1", topic: t, key: step}}
        """)).as("the dead letters' own columns are keys").isEmpty();
  }
}
