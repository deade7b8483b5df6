package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.control.QualityTotals;
import dev.pipelines.streaming.runner.testing.Pipelines;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Joins, sessions, dedupe, anomaly scoring and expectations: exact rows on small inputs. */
class StatefulTransformsTest {
  static SparkSession spark;
  @TempDir Path dir;
  /** The output directory of the last {@link #run}. */
  Path lastOut;

  @BeforeAll
  static void startSpark() {
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  private Path input(String name, String jsonLines) throws IOException {
    Path d = Files.createDirectories(dir.resolve(name));
    Files.writeString(d.resolve("data.json"), jsonLines);
    return d;
  }

  /** Runs the pipeline (availableNow) and returns its output rows as sorted JSON. */
  private List<String> run(String sourcesAndTransforms, String from, String orderBy) throws IOException {
    Path runDir = Files.createTempDirectory(dir, "run");
    lastOut = runDir.resolve("out");
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: t}
        spec:
        %s
          sinks:
            - {name: out, from: %s, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(sourcesAndTransforms.indent(2).stripTrailing(), from, runDir.resolve("out"));
    assertThat(Pipelines.runToCompletion(spark, yaml, runDir.resolve("cp"))).isZero();
    return spark.read().json(runDir.resolve("out").toString()).orderBy(orderBy).toJSON().collectAsList();
  }

  private String clicksAndOrders(String joinType) throws IOException {
    Path clicks = input("clicks", """
        {"userId":"u1","page":"/p1","clickTime":"2026-01-01T10:00:00Z"}
        {"userId":"u2","page":"/p2","clickTime":"2026-01-01T10:00:00Z"}
        {"userId":"u3","page":"/p3","clickTime":"2026-01-01T10:00:00Z"}
        {"userId":"u9","page":"/late","clickTime":"2026-01-01T11:00:00Z"}
        """);
    Path orders = input("orders", """
        {"userId":"u1","orderId":"o1","orderTime":"2026-01-01T10:05:00Z"}
        {"userId":"u2","orderId":"o2","orderTime":"2026-01-01T10:30:00Z"}
        """);
    return """
        sources:
          - name: clicks
            files: {path: "%s", format: json}
            schema: [{name: userId, type: string}, {name: page, type: string}, {name: clickTime, type: timestamp}]
            watermark: {column: clickTime, delay: 1m}
          - name: orders
            files: {path: "%s", format: json}
            schema: [{name: userId, type: string}, {name: orderId, type: string}, {name: orderTime, type: timestamp}]
            watermark: {column: orderTime, delay: 1m}
        transforms:
          - name: joined
            from: [clicks, orders]
            join: {type: %s, keys: [userId], leftTime: clickTime, rightTime: orderTime, within: 10m}
        """.formatted(clicks, orders, joinType);
  }

  @Test
  void streamStreamInnerJoinWithinTenMinutes() throws IOException {
    assertThat(run(clicksAndOrders("inner"), "joined", "userId")).containsExactly(
        "{\"clickTime\":\"2026-01-01T10:00:00.000Z\",\"orderId\":\"o1\",\"orderTime\":\"2026-01-01T10:05:00.000Z\","
            + "\"page\":\"/p1\",\"userId\":\"u1\"}");
  }

  @Test
  void streamStreamLeftOuterJoinEmitsUnmatchedRowsOnceTheWatermarkPasses() throws IOException {
    List<String> rows = run(clicksAndOrders("left"), "joined", "userId");
    assertThat(rows).containsExactly(
        "{\"clickTime\":\"2026-01-01T10:00:00.000Z\",\"orderId\":\"o1\",\"orderTime\":\"2026-01-01T10:05:00.000Z\","
            + "\"page\":\"/p1\",\"userId\":\"u1\"}",
        "{\"clickTime\":\"2026-01-01T10:00:00.000Z\",\"page\":\"/p2\",\"userId\":\"u2\"}",
        "{\"clickTime\":\"2026-01-01T10:00:00.000Z\",\"page\":\"/p3\",\"userId\":\"u3\"}");
  }

  @Test
  void streamStaticJoinEnrichesFromALookupTable() throws IOException {
    Path clicks = input("clicks", """
        {"userId":"u1","page":"/a"}
        {"userId":"u2","page":"/b"}
        """);
    Path users = input("users", """
        {"userId":"u1","country":"PT","page":"/profile"}
        """);
    assertThat(run("""
        sources:
          - name: clicks
            files: {path: "%s", format: json}
            schema: [{name: userId, type: string}, {name: page, type: string}]
          - name: users
            files: {path: "%s", format: json, static: true}
            schema: [{name: userId, type: string}, {name: country, type: string}, {name: page, type: string}]
        transforms:
          - {name: enriched, from: [clicks, users], join: {type: left, keys: userId}}
        """.formatted(clicks, users), "enriched", "userId")).containsExactly(
            "{\"country\":\"PT\",\"page\":\"/a\",\"userId\":\"u1\",\"users_page\":\"/profile\"}",
            "{\"page\":\"/b\",\"userId\":\"u2\"}");
  }

  @Test
  void sessionWindowsCloseAfterTheGap() throws IOException {
    Path events = input("events", """
        {"userId":"u1","ts":"2026-01-01T10:00:00Z"}
        {"userId":"u1","ts":"2026-01-01T10:00:20Z"}
        {"userId":"u1","ts":"2026-01-01T10:00:50Z"}
        {"userId":"u1","ts":"2026-01-01T10:05:00Z"}
        {"userId":"u2","ts":"2026-01-01T10:00:10Z"}
        {"userId":"u9","ts":"2026-01-01T10:20:00Z"}
        """);
    assertThat(run("""
        sources:
          - name: events
            files: {path: "%s", format: json}
            schema: [{name: userId, type: string}, {name: ts, type: timestamp}]
            watermark: {column: ts, delay: 1m}
        transforms:
          - name: sessions
            from: events
            window: {type: session, column: ts, gap: 30s, groupBy: [userId], aggregations: [{fn: count, as: events}]}
        """.formatted(events), "sessions", "windowStart")).containsExactly(
            "{\"events\":3,\"userId\":\"u1\",\"windowEnd\":\"2026-01-01T10:01:20.000Z\",\"windowStart\":\"2026-01-01T10:00:00.000Z\"}",
            "{\"events\":1,\"userId\":\"u2\",\"windowEnd\":\"2026-01-01T10:00:40.000Z\",\"windowStart\":\"2026-01-01T10:00:10.000Z\"}",
            "{\"events\":1,\"userId\":\"u1\",\"windowEnd\":\"2026-01-01T10:05:30.000Z\",\"windowStart\":\"2026-01-01T10:05:00.000Z\"}");
  }

  @Test
  void dedupeKeepsOneRowPerKeyWithinTheWatermark() throws IOException {
    Path events = input("events", """
        {"eventId":"e1","ts":"2026-01-01T10:00:00Z"}
        {"eventId":"e1","ts":"2026-01-01T10:00:01Z"}
        {"eventId":"e2","ts":"2026-01-01T10:00:02Z"}
        {"eventId":"e3","ts":"2026-01-01T10:00:03Z"}
        {"eventId":"e3","ts":"2026-01-01T10:00:04Z"}
        {"eventId":"e3","ts":"2026-01-01T10:00:05Z"}
        """);
    List<String> rows = run("""
        sources:
          - name: events
            files: {path: "%s", format: json}
            schema: [{name: eventId, type: string}, {name: ts, type: timestamp}]
            watermark: {column: ts, delay: 10m}
        transforms:
          - {name: unique, from: events, dedupe: {keys: [eventId]}}
        """.formatted(events), "unique", "eventId");
    assertThat(rows).hasSize(3);
    assertThat(rows).extracting(r -> r.substring(0, r.indexOf(','))).containsExactly(
        "{\"eventId\":\"e1\"", "{\"eventId\":\"e2\"", "{\"eventId\":\"e3\"");
  }

  @Test
  void zscoreFlagsTheSpikeAndTheBreakFromAFlatHistory() throws IOException {
    StringBuilder lines = new StringBuilder();
    double[] s1 = {10, 11, 10, 9, 10, 11, 10, 50, 10};
    double[] s2 = {100, 100, 100, 100, 100, 100, 101};
    for (int i = 0; i < s1.length; i++) {
      lines.append("{\"sensor\":\"s1\",\"value\":%s,\"ts\":\"2026-01-01T10:00:%02dZ\"}%n".formatted(s1[i], i));
    }
    for (int i = 0; i < s2.length; i++) {
      lines.append("{\"sensor\":\"s2\",\"value\":%s,\"ts\":\"2026-01-01T10:00:%02dZ\"}%n".formatted(s2[i], i));
    }
    Path readings = input("readings", lines.toString());
    List<String> rows = run("""
        sources:
          - name: readings
            files: {path: "%s", format: json}
            schema: [{name: sensor, type: string}, {name: value, type: double}, {name: ts, type: timestamp}]
        transforms:
          - name: scored
            from: readings
            anomaly: {method: zscore, column: value, keys: [sensor], threshold: 3, windowSize: 10, minSamples: 5, orderBy: ts}
        """.formatted(readings), "scored", "ts");
    List<Row> scored = spark.read().json(lastOut.toString()).orderBy("sensor", "ts").collectAsList();
    assertThat(rows).hasSize(16);
    assertThat(scored).filteredOn(r -> r.<Boolean>getAs("isAnomaly"))
        .extracting(r -> r.getAs("sensor") + "@" + r.getAs("value")).containsExactly("s1@50.0", "s2@101.0");
    assertThat(scored).filteredOn(r -> r.getAs("score") == null).hasSize(10); // 5 learning rows per sensor
    Row spike = scored.stream().filter(r -> r.<Double>getAs("value") == 50.0).findFirst().orElseThrow();
    assertThat(spike.<Double>getAs("score")).isGreaterThan(50);
  }

  /**
   * Scores from three runs on one checkpoint, in event-time order: sensor s1 learns five
   * readings (10:00:00-04); after a restart s2 reads at 10:30 (the watermark moves to 10:29:50);
   * after another, s1 reads 10.5 at 10:31. Its score shows whether s1's history outlived both.
   */
  private List<Object> scoresAcrossRestarts(String name, String stateTtl) {
    Path in = dir.resolve(name + "-in");
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: %1$s}
        spec:
          sources:
            - name: readings
              files: {path: "%2$s", format: json}
              schema: [{name: sensor, type: string}, {name: value, type: double}, {name: ts, type: timestamp}]
              watermark: {column: ts, delay: 10s}
          transforms:
            - name: scored
              from: readings
              anomaly: {column: value, keys: [sensor], minSamples: 5, orderBy: ts, stateTtl: %3$s}
          sinks:
            - {name: out, from: scored, trigger: {availableNow: true}, files: {path: "%4$s", format: json}}
        """.formatted(name, in, stateTtl, dir.resolve(name + "-out"));
    String learning = java.util.stream.IntStream.range(0, 5).mapToObj(i -> """
        {"sensor":"s1","value":%s,"ts":"2026-01-01T10:00:%02dZ"}""".formatted(new double[] {10, 11, 10, 9, 10}[i], i))
        .collect(java.util.stream.Collectors.joining("\n"));
    for (String file : List.of(learning, "{\"sensor\":\"s2\",\"value\":100,\"ts\":\"2026-01-01T10:30:00Z\"}",
        "{\"sensor\":\"s1\",\"value\":10.5,\"ts\":\"2026-01-01T10:31:00Z\"}")) {
      try {
        Files.createDirectories(in);
        Files.writeString(in.resolve(Files.list(in).count() + ".json"), file + "\n");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      assertThat(Pipelines.runToCompletion(spark, yaml, dir.resolve(name + "-cp"))).isZero();
    }
    return spark.read().schema("sensor STRING, value DOUBLE, ts TIMESTAMP, score DOUBLE, isAnomaly BOOLEAN")
        .json(dir.resolve(name + "-out").toString()).orderBy("ts").collectAsList().stream()
        .map(r -> r.getAs("score")).toList();
  }

  @Test
  void anomalyStateWrittenWithoutATtlIsNotResumedWithOne() throws Exception {
    Path in = dir.resolve("probe-in");
    Files.createDirectories(in);
    Files.writeString(in.resolve("1.json"), "{\"sensor\":\"s1\",\"value\":1,\"ts\":\"2026-01-01T10:00:00Z\"}\n");
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: probe}
        spec:
          sources:
            - name: readings
              files: {path: "%1$s", format: json}
              schema: [{name: sensor, type: string}, {name: value, type: double}, {name: ts, type: timestamp}]
              watermark: {column: ts, delay: 10s}
          transforms:
            - name: scored
              from: readings
              anomaly: {column: value, keys: [sensor], stateTtl: %2$s}
          sinks:
            - {name: out, from: scored, trigger: {availableNow: true}, files: {path: "%3$s", format: json}}
        """;
    assertThat(Pipelines.runToCompletion(spark, yaml.formatted(in, "off", dir.resolve("po")), dir.resolve("pcp"))).isZero();
    // unquoted, YAML reads off as false: both mean off
    Files.writeString(in.resolve("2.json"), "{\"sensor\":\"s1\",\"value\":1,\"ts\":\"2026-01-01T10:00:01Z\"}\n");
    var log = new java.io.ByteArrayOutputStream();
    assertThat(Pipelines.runToCompletion(spark, yaml.formatted(in, "1h", dir.resolve("po")), dir.resolve("pcp"),
        new java.io.PrintStream(log, true))).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(log.toString().lines().dropWhile(l -> !l.startsWith("[out] failed:"))).containsExactly(
        "[out] failed: [STATE_STORE_INVALID_CONFIG_AFTER_RESTART] Cannot change timeMode from NoTime to EventTime between "
            + "restarts. Please set timeMode to NoTime, or restart with a new checkpoint directory.",
        "  An anomaly transform's state was written without a time to live (stateTtl: off, or a runner before "
            + "stateTtl): set stateTtl: \"off\" on it to resume this checkpoint, or start over in a new checkpoint.");
  }

  @Test
  void anomalyHistorySurvivesRestartsAndIsForgottenAfterItsTtlOfEventTime() {
    List<Object> kept = scoresAcrossRestarts("ttl-hour", "1h");
    assertThat(kept).hasSize(7);
    assertThat(kept.subList(0, 6)).containsOnlyNulls(); // s1 learning, then s2's first reading
    // s1's history outlived two restarts: mean 10, variance 0.4 of its five readings
    assertThat((Double) kept.get(6)).isCloseTo((10.5 - 10) / Math.sqrt(0.4), org.assertj.core.data.Offset.offset(1e-9));

    // 10:00:04 + 10m is behind the 10:29:50 watermark: s1 starts learning again
    assertThat(scoresAcrossRestarts("ttl-ten-minutes", "10m")).hasSize(7).containsOnlyNulls();
  }

  @Test
  void ewmaFlagsASpikeAgainstTheMovingAverage() throws IOException {
    Path readings = input("readings", """
        {"value":10,"ts":"2026-01-01T10:00:00Z"}
        {"value":12,"ts":"2026-01-01T10:00:01Z"}
        {"value":10,"ts":"2026-01-01T10:00:02Z"}
        {"value":12,"ts":"2026-01-01T10:00:03Z"}
        {"value":10,"ts":"2026-01-01T10:00:04Z"}
        {"value":40,"ts":"2026-01-01T10:00:05Z"}
        """);
    run("""
        sources:
          - name: readings
            files: {path: "%s", format: json}
            schema: [{name: value, type: double}, {name: ts, type: timestamp}]
        transforms:
          - {name: scored, from: readings, anomaly: {method: ewma, column: value, alpha: 0.3, minSamples: 3, orderBy: ts}}
        """.formatted(readings), "scored", "ts");
    List<Row> scored = spark.read().json(lastOut.toString()).orderBy("ts").collectAsList();
    assertThat(scored).extracting(r -> r.<Boolean>getAs("isAnomaly")).containsExactly(false, false, false, false, false, true);
    // Hand-computed with West's recurrences: mean 10.894, variance 0.989 before the fourth-to-last row.
    assertThat(scored.get(3).<Double>getAs("score")).isCloseTo(1.94, org.assertj.core.data.Offset.offset(0.01));
    assertThat(scored.get(5).<Double>getAs("score")).isGreaterThan(30);
  }

  /** Readings at 10:00:05, 10:00:30, 10:01:10 and 10:03 in epoch ms, timed by {@code timed}, counted per minute. */
  private List<String> perMinuteFromEpochMillis(String name, String timed) throws IOException {
    Path readings = input(name, """
        {"sensor":"s1","tsMillis":1767261605000}
        {"sensor":"s1","tsMillis":1767261630000}
        {"sensor":"s1","tsMillis":1767261670000}
        {"sensor":"s1","tsMillis":1767261780000}
        """);
    return run("""
        sources:
          - name: readings
            files: {path: "%s", format: json}
            schema: [{name: sensor, type: string}, {name: tsMillis, type: long}]
        transforms:
          - name: timed
            from: readings
        %s
          - name: perMinute
            from: timed
            window: {column: eventTime, size: 1m, groupBy: [sensor], aggregations: [{fn: count, as: readings}]}
        """.formatted(readings, timed.indent(4).stripTrailing()), "perMinute", "windowStart");
  }

  static final List<String> TWO_MINUTES = List.of(
      "{\"readings\":2,\"sensor\":\"s1\",\"windowEnd\":\"2026-01-01T10:01:00.000Z\",\"windowStart\":\"2026-01-01T10:00:00.000Z\"}",
      "{\"readings\":1,\"sensor\":\"s1\",\"windowEnd\":\"2026-01-01T10:02:00.000Z\",\"windowStart\":\"2026-01-01T10:01:00.000Z\"}");

  @Test
  void aWatermarkOnADerivedColumnWindowsEpochMilliseconds() throws IOException {
    assertThat(perMinuteFromEpochMillis("millis", """
        select: [sensor, "timestamp_millis(tsMillis) AS eventTime"]
        watermark: {column: eventTime, delay: 10s}""")).containsExactlyElementsOf(TWO_MINUTES);
  }

  @Test
  void sqlWatermarkClauseFeedsAnAppendModeWindow() throws IOException {
    assertThat(perMinuteFromEpochMillis("sql-watermark", """
        sql: >-
          SELECT sensor, eventTime FROM readings
          WATERMARK timestamp_millis(tsMillis) AS eventTime DELAY OF INTERVAL 10 SECONDS""")).containsExactlyElementsOf(TWO_MINUTES);
  }

  /** Views per minute, then per 5 minutes from the 1-minute rows; the 10:20 view only moves the watermark. */
  private List<String> chainedWindows(String name, String bound) throws IOException {
    Path views = input(name, """
        {"page":"/a","viewTime":"2026-01-01T10:00:05Z"}
        {"page":"/a","viewTime":"2026-01-01T10:00:30Z"}
        {"page":"/a","viewTime":"2026-01-01T10:01:10Z"}
        {"page":"/a","viewTime":"2026-01-01T10:04:59Z"}
        {"page":"/a","viewTime":"2026-01-01T10:20:00Z"}
        """);
    return run(viewsPerMinuteThen(views, """
        - name: perFiveMinutes
          from: perMinute
          window:
            column: %s
            size: 5m
            groupBy: [page]
            aggregations: [{fn: sum, column: views, as: views}, {fn: count, as: minutes}]
        """.formatted(bound)), "perFiveMinutes", "windowStart");
  }

  /** Views (with a 10 s watermark) counted per page and minute as {@code perMinute}, then {@code next}. */
  private static String viewsPerMinuteThen(Path views, String next) {
    return """
        sources:
          - name: views
            files: {path: "%s", format: json}
            schema: [{name: page, type: string}, {name: viewTime, type: timestamp}]
            watermark: {column: viewTime, delay: 10s}
        transforms:
          - name: perMinute
            from: views
            window: {column: viewTime, size: 1m, groupBy: [page], aggregations: [{fn: count, as: views}]}
        %s""".formatted(views, next.indent(2).stripTrailing());
  }

  @Test
  void windowsChainOnTheirWindowTime() throws IOException {
    String fiveMinutes = "{\"minutes\":3,\"page\":\"/a\",\"views\":4,"
        + "\"windowEnd\":\"2026-01-01T10:05:00.000Z\",\"windowStart\":\"2026-01-01T10:00:00.000Z\"}";
    assertThat(chainedWindows("chained-end", "windowEnd")).containsExactly(fiveMinutes);
    assertThat(chainedWindows("chained-start", "windowStart")).containsExactly(fiveMinutes);
  }

  @Test
  void anomalyScoresAWindowsRowsInEventTime() throws IOException {
    StringBuilder views = new StringBuilder();
    int[] perMinute = {2, 2, 2, 9};
    for (int minute = 0; minute < perMinute.length; minute++) {
      for (int i = 0; i < perMinute[minute]; i++) {
        views.append("{\"page\":\"/a\",\"viewTime\":\"2026-01-01T10:0%d:%02dZ\"}%n".formatted(minute, i));
      }
    }
    views.append("{\"page\":\"/b\",\"viewTime\":\"2026-01-01T10:20:00Z\"}\n"); // moves the watermark
    Path in = input("window-anomaly", views.toString());
    List<String> rows = run(viewsPerMinuteThen(in,
        "- {name: scored, from: perMinute, anomaly: {column: views, keys: [page], minSamples: 3, orderBy: windowStart}}"),
        "scored", "windowStart");
    assertThat(rows).extracting(r -> r.replaceAll(".*\"isAnomaly\":(\\w+).*\"views\":(\\d+).*", "$2 $1"))
        .containsExactly("2 false", "2 false", "2 false", "9 true");
  }

  @Test
  void windowsStartAtTheirOffset() throws IOException {
    Path clicks = input("offset-clicks", """
        {"page":"/a","clickTime":"2026-01-01T10:14:00Z"}
        {"page":"/a","clickTime":"2026-01-01T10:16:00Z"}
        {"page":"/a","clickTime":"2026-01-01T10:50:00Z"}
        {"page":"/a","clickTime":"2026-01-01T13:00:00Z"}
        """);
    assertThat(run("""
        sources:
          - name: clicks
            files: {path: "%s", format: json}
            schema: [{name: page, type: string}, {name: clickTime, type: timestamp}]
            watermark: {column: clickTime, delay: 1m}
        transforms:
          - name: hourly
            from: clicks
            window: {column: clickTime, size: 1h, startTime: 15m, groupBy: [page], aggregations: [{fn: count, as: views}]}
        """.formatted(clicks), "hourly", "windowStart")).containsExactly(
        "{\"page\":\"/a\",\"views\":1,\"windowEnd\":\"2026-01-01T10:15:00.000Z\",\"windowStart\":\"2026-01-01T09:15:00.000Z\"}",
        "{\"page\":\"/a\",\"views\":2,\"windowEnd\":\"2026-01-01T11:15:00.000Z\",\"windowStart\":\"2026-01-01T10:15:00.000Z\"}");
  }

  /** A per-minute count of {@code eventTime} per {@code key} over two files, each read in its own batch. */
  record TwoBatches(StreamingQuery query, QualityTotals quality, Path out) {}

  private TwoBatches twoBatches(String name, String key, String first, String second) throws Exception {
    Path in = Files.createDirectories(dir.resolve(name + "-in"));
    Files.writeString(in.resolve("1.json"), first);
    QualityTotals quality = new QualityTotals(dev.pipelines.streaming.runner.plan.GuardDrops.of(spark));
    spark.streams().addListener(quality);
    List<StreamingQuery> queries = Pipelines.start(spark, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: %1$s}
        spec:
          sources:
            - name: events
              files: {path: "%2$s", format: json}
              schema: [{name: %3$s, type: string}, {name: eventTime, type: timestamp}]
              watermark: {column: eventTime, delay: 10s}
          transforms:
            - name: perMinute
              from: events
              window: {column: eventTime, size: 1m, groupBy: [%3$s], aggregations: [{fn: count, as: events}]}
          sinks:
            - {name: out, from: perMinute, outputMode: append, files: {path: "%4$s", format: json}}
        """.formatted(name, in, key, dir.resolve(name + "-out")), dir.resolve(name + "-cp"));
    StreamingQuery q = queries.get(0);
    try {
      q.processAllAvailable();
      Files.writeString(in.resolve("2.json"), second);
      q.processAllAvailable();
    } finally {
      q.stop();
      spark.sparkContext().listenerBus().waitUntilEmpty();
      spark.streams().removeListener(quality);
    }
    return new TwoBatches(q, quality, dir.resolve(name + "-out"));
  }

  @Test
  void rowsLaterThanTheWatermarkAreCountedNotSilentlyLost() throws Exception {
    // after the first batch the watermark is 10:04:50; a click at 10:01 is too late for its window
    TwoBatches run = twoBatches("late", "page", """
        {"page":"/a","eventTime":"2026-01-01T10:00:05Z"}
        {"page":"/a","eventTime":"2026-01-01T10:05:00Z"}
        """, """
        {"page":"/a","eventTime":"2026-01-01T10:01:00Z"}
        {"page":"/a","eventTime":"2026-01-01T10:05:30Z"}
        """);
    assertThat(run.quality().droppedByWatermark("out")).isEqualTo(1);
    StreamingQueryProgress late = Arrays.stream(run.query().recentProgress())
        .filter(p -> QualityTotals.droppedByWatermark(p) > 0).findFirst().orElseThrow();
    assertThat(late.numInputRows()).isEqualTo(2);
  }

  @Test
  void anEventTimeFarAheadIsDroppedAndCountedInsteadOfMovingTheWatermark() throws Exception {
    // a number in a timestamp field is read as seconds: 1772359210000 is some 56,000 years ahead
    TwoBatches run = twoBatches("ahead", "sensor", """
        {"sensor":"s1","eventTime":"2026-03-01T10:00:05Z"}
        {"sensor":"s1","eventTime":1772359210000}
        """, """
        {"sensor":"s1","eventTime":"2026-03-01T10:00:20Z"}
        {"sensor":"s1","eventTime":"2026-03-01T10:01:30Z"}
        {"sensor":"s1","eventTime":"2026-03-01T10:03:00Z"}
        """);
    assertThat(spark.read().json(run.out().toString()).orderBy("windowStart").toJSON().collectAsList()).containsExactly(
        "{\"events\":2,\"sensor\":\"s1\",\"windowEnd\":\"2026-03-01T10:01:00.000Z\",\"windowStart\":\"2026-03-01T10:00:00.000Z\"}",
        "{\"events\":1,\"sensor\":\"s1\",\"windowEnd\":\"2026-03-01T10:02:00.000Z\",\"windowStart\":\"2026-03-01T10:01:00.000Z\"}");
    assertThat(run.quality().violations("out")).containsEntry("events.watermark.eventTimeNotAhead", 1L);
    assertThat(run.quality().droppedByWatermark("out")).isZero();
  }

  @Test
  void expectationsCountDropAndFail() throws Exception {
    Path orders = input("orders", """
        {"userId":"u1","amount":10}
        {"userId":"u2","amount":-5}
        {"userId":null,"amount":7}
        {"userId":"u4","amount":1}
        """);
    String spec = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: quality}
        spec:
          sources:
            - name: orders
              files: {path: "%s", format: json}
              schema: [{name: userId, type: string}, {name: amount, type: long}]
          transforms:
            - name: clean
              from: orders
              select: [userId, amount]
              expectations:
                - {name: positive, condition: "amount >= 0", onViolation: %s}
                - {name: knownUser, condition: "userId IS NOT NULL"}
          sinks:
            - {name: out, from: clean, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """;
    QualityTotals quality = new QualityTotals(dev.pipelines.streaming.runner.plan.GuardDrops.of(spark));
    spark.streams().addListener(quality);
    List<StreamingQuery> queries = Pipelines.start(spark, spec.formatted(orders, "drop", dir.resolve("out")), dir.resolve("cp"));
    queries.forEach(q -> {
      try {
        q.awaitTermination();
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    });
    spark.sparkContext().listenerBus().waitUntilEmpty();
    spark.streams().removeListener(quality);
    // what /progress, /metrics and status show: totals per rule since the driver started
    assertThat(quality.violations("out")).containsExactly(Map.entry("clean.knownUser", 1L), Map.entry("clean.positive", 1L));
    StreamingQueryProgress progress = queries.get(0).recentProgress()[0];
    Row counts = progress.observedMetrics().get("expectations.clean");
    assertThat(counts.<Long>getAs("rows")).isEqualTo(4);
    assertThat(counts.<Long>getAs("positive")).isEqualTo(1);
    assertThat(counts.<Long>getAs("knownUser")).isEqualTo(1);
    assertThat(spark.read().json(dir.resolve("out").toString()).count()).isEqualTo(3); // -5 dropped, null user kept

    int exit = Pipelines.runToCompletion(spark, spec.formatted(orders, "fail", dir.resolve("out2")), dir.resolve("cp2"));
    assertThat(exit).isEqualTo(ExitCodes.QUERY_FAILED);
  }
}
