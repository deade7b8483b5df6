package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Files in, files out, with availableNow triggers: exact rows for each transform kind. */
class FilesPipelineTest {
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

  private List<String> readJson(Path path, String orderBy) {
    return spark.read().json(path.toString()).orderBy(orderBy).toJSON().collectAsList();
  }

  /** Each line's {@code t} after the source parsed it, in input order (id). */
  private List<String> parsedTimes(String timestampFormat, String... times) throws IOException {
    String run = timestampFormat == null ? "default" : "custom";
    Path in = Files.createDirectories(dir.resolve("times-" + run));
    StringBuilder lines = new StringBuilder();
    for (int i = 0; i < times.length; i++) {
      lines.append("{\"id\":").append(i).append(",\"t\":\"").append(times[i]).append("\"}\n");
    }
    Files.writeString(in.resolve("part-1.json"), lines);
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: times}
        spec:
          sources:
            - name: events
              files: {path: "%s", format: json}
              schema: [{name: id, type: int}, {name: t, type: timestamp}]
              %s
          transforms:
            - {name: shown, from: events, select: [id, "date_format(t, 'yyyy-MM-dd HH:mm:ss') AS t"]}
          sinks:
            - {name: out, from: shown, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(in, timestampFormat == null ? "" : "timestampFormat: \"" + timestampFormat + "\"",
        dir.resolve("times-out-" + run));
    assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve("times-cp-" + run))).isZero();
    return spark.read().json(dir.resolve("times-out-" + run).toString()).orderBy("id").collectAsList().stream()
        .map(r -> r.isNullAt(r.fieldIndex("t")) ? "NULL" : r.<String>getAs("t")).toList();
  }

  @Test
  void timestampsParseAsDocumentedAndASourceCanDeclareItsFormat() throws IOException {
    // docs/spec.md, "Timestamps": what Spark's ISO-8601 parsing accepts by default
    assertThat(parsedTimes(null, "2026-03-01T10:00:20Z", "2026-03-01T11:00:20.123+01:00", "2026-03-01 10:00:20",
        "2026-03-01T10:00Z", "1772359210000")).containsExactly(
        "2026-03-01 10:00:20", "2026-03-01 10:00:20", "2026-03-01 10:00:20", "NULL", "NULL");
    assertThat(parsedTimes("yyyy-MM-dd'T'HH:mm[:ss]XXX", "2026-03-01T10:00Z", "2026-03-01T10:00:20Z"))
        .containsExactly("2026-03-01 10:00:00", "2026-03-01 10:00:20");
  }

  @Test
  void jsonFilesThroughFilterSelectAndSql() throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("part-1.json"), """
        {"orderId":"o1","customer":"ann","amount":5.0,"ts":"2026-01-01T10:00:00Z"}
        {"orderId":"o2","customer":"bob","amount":50.0,"ts":"2026-01-01T10:00:10Z"}
        {"orderId":"o3","customer":"ann","amount":70.5,"ts":"2026-01-01T10:00:20Z"}
        not json at all
        """);
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: orders}
        spec:
          sources:
            - name: orders
              files: {path: "%s", format: json}
              schema:
                - {name: orderId, type: string}
                - {name: customer, type: string}
                - {name: amount, type: double}
                - {name: ts, type: timestamp}
          transforms:
            - {name: big, from: orders, filter: "amount > 10"}
            - {name: shaped, from: big, select: ["orderId", "upper(customer) AS customer", "amount * 2 AS doubled"]}
            - {name: tagged, from: shaped, sql: "SELECT *, 'vip' AS tier FROM shaped WHERE customer = 'ANN'"}
          sinks:
            - {name: out, from: tagged, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(in, dir.resolve("out"));

    assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve("checkpoints"))).isZero();

    assertThat(readJson(dir.resolve("out"), "orderId"))
        .containsExactly("{\"customer\":\"ANN\",\"doubled\":141.0,\"orderId\":\"o3\",\"tier\":\"vip\"}");
    assertThat(dir.resolve("checkpoints/orders/out/commits")).isDirectory();
  }

  @Test
  void csvFilesThroughTumblingWindowInAppendMode() throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("clicks.csv"), """
        page,userId,ts
        /home,u1,2026-01-01T10:00:05Z
        /home,u2,2026-01-01T10:00:35Z
        /cart,u1,2026-01-01T10:00:50Z
        /home,u1,2026-01-01T10:01:10Z
        /home,u3,2026-01-01T10:09:00Z
        """);
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: clicks}
        spec:
          sources:
            - name: clicks
              files: {path: "%s", format: csv}
              schema: [{name: page, type: string}, {name: userId, type: string}, {name: ts, type: timestamp}]
              watermark: {column: ts, delay: 1m}
          transforms:
            - name: perMinute
              from: clicks
              window:
                column: ts
                size: 1m
                groupBy: [page]
                aggregations: [{fn: count, as: views}, {fn: approx_count_distinct, column: userId, as: users}]
          sinks:
            - {name: out, from: perMinute, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(in, dir.resolve("out"));

    assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve("checkpoints"))).isZero();

    // The 10:09 click moves the watermark to 10:08, closing every window before it; its own
    // window stays open (not emitted), as append mode promises.
    List<Row> rows = spark.read().json(dir.resolve("out").toString())
        .orderBy("windowStart", "page").collectAsList();
    assertThat(rows).extracting(r -> r.getAs("windowStart") + " " + r.getAs("page") + " "
            + r.getAs("views") + " " + r.getAs("users"))
        .containsExactly(
            "2026-01-01T10:00:00.000Z /cart 1 1",
            "2026-01-01T10:00:00.000Z /home 2 2",
            "2026-01-01T10:01:00.000Z /home 1 1");
  }
}
