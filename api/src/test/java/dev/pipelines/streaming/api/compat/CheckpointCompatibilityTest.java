package dev.pipelines.streaming.api.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** Spec pairs and the verdict users get when they apply the second over the first. */
class CheckpointCompatibilityTest {

  static final String BASE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: shop}
      spec:
        sparkConf: {spark.sql.shuffle.partitions: "8"}
        sources:
          - name: clicks
            kafka: {bootstrapServers: "k:9092", topic: clicks, options: {maxOffsetsPerTrigger: "1000"}}
            schema: [{name: userId, type: string}, {name: page, type: string}, {name: amount, type: double}, {name: ts, type: timestamp}]
            watermark: {column: ts, delay: 30s}
          - name: orders
            kafka: {bootstrapServers: "k:9092", topic: orders}
            schema: [{name: userId, type: string}, {name: ts, type: timestamp}]
            watermark: {column: ts, delay: 30s}
        transforms:
          - {name: valid, from: clicks, filter: "amount >= 0"}
          - {name: shaped, from: valid, select: [userId, page, amount, ts]}
          - name: perPage
            from: shaped
            window: {column: ts, size: 1m, groupBy: [page], aggregations: [{fn: count, as: views}]}
          - {name: unique, from: clicks, dedupe: {keys: [userId, ts]}}
          - {name: raw, from: clicks, select: [userId, page]}
          - {name: total, from: clicks, sql: "SELECT count(*) AS n FROM clicks"}
        sinks:
          - name: totals
            from: perPage
            outputMode: update
            jdbc: {url: "jdbc:postgresql://db/shop", table: page_views, mode: upsert, keys: [windowStart, page]}
          - {name: archive, from: unique, files: {path: /data/clicks, format: json}}
          - {name: feed, from: raw, kafka: {bootstrapServers: "k:9092", topic: feed}}
          - {name: counts, from: total, console: {}, outputMode: complete}
      """;

  static Stream<Arguments> changes() {
    return Stream.of(
        compatible("nothing changed", "", ""),
        compatible("a filter changed", "amount >= 0", "amount > 0 AND page <> '/health'"),
        compatible("a rate limit changed", "maxOffsetsPerTrigger: \"1000\"", "maxOffsetsPerTrigger: \"5000\""),
        compatible("the watermark delay changed", "delay: 30s}\n    - name: orders", "delay: 2m}\n    - name: orders"),
        compatible("the Kafka output topic changed", "topic: feed}", "topic: feed-v2}"),
        compatible("a projection of a stateless query changed", "select: [userId, page]}", "select: [userId, upper(page) AS page]}"),
        compatible("a sink was added", "", "\n    - {name: debug, from: valid, console: {}}"),
        compatible("a broker was added to the source's list", "bootstrapServers: \"k:9092\", topic: clicks,",
            "bootstrapServers: \"k:9092, k2:9092\", topic: clicks,"),
        incompatible("the source reads another Kafka cluster", "bootstrapServers: \"k:9092\", topic: clicks,",
            "bootstrapServers: \"other:9092\", topic: clicks,",
            "spec.sources[0].kafka.bootstrapServers: changed from 'k:9092' to 'other:9092'; no broker in common:"
                + " another cluster, where the checkpoint's offsets mean nothing"),
        incompatible("a global aggregate without GROUP BY changed", "SELECT count(*) AS n FROM clicks",
            "SELECT count(*) AS n, max(amount) AS top FROM clicks",
            "spec.transforms[5].sql: changed from 'SELECT count(*) AS n FROM clicks' to"
                + " 'SELECT count(*) AS n, max(amount) AS top FROM clicks';"
                + " the query aggregates, joins or deduplicates; its state cannot be reused"),
        incompatible("a global aggregate was taken out of a sink's lineage", "{name: counts, from: total, console: {}, outputMode: complete}",
            "{name: counts, from: raw, console: {}}",
            "spec.sinks[3].outputMode: changed from complete to append; the query's state was built for the old mode",
            "spec.sinks[3].from: stateful step 'total' was removed; the checkpoint holds its state"),
        compatible("a trigger was added", "outputMode: update", "outputMode: update\n      trigger: {processingTime: 10s}"),
        incompatible("grouping keys changed", "groupBy: [page]", "groupBy: [page, userId]",
            "spec.transforms[2].window.groupBy: changed from [page] to [page, userId]; grouping keys are the state's keys"),
        incompatible("the window size changed", "size: 1m", "size: 5m",
            "spec.transforms[2].window.size: changed from '1m' to '5m'; the window's state is keyed by it"),
        incompatible("an aggregation was added", "[{fn: count, as: views}]", "[{fn: count, as: views}, {fn: sum, column: amount}]",
            "spec.transforms[2].window.aggregations: changed from [count(*) as views] to [count(*) as views, sum(amount) as sum_amount];"
                + " the aggregation buffers in the state were built for the old aggregations"),
        incompatible("the source topic changed", "topic: clicks,", "topic: clicks-v2,",
            "spec.sources[0].kafka.topic: changed from 'clicks' to 'clicks-v2'; offsets in the checkpoint belong to the old topics"),
        incompatible("a projection feeding a window changed", "select: [userId, page, amount, ts]", "select: [userId, lower(page) AS page, ts]",
            "spec.transforms[1].select: changed from [userId, page, amount, ts] to [userId, lower(page) AS page, ts];"
                + " it feeds stateful step 'perPage', whose state schema may no longer match"),
        incompatible("shuffle partitions changed", "spark.sql.shuffle.partitions: \"8\"", "spark.sql.shuffle.partitions: \"16\"",
            "spec.sparkConf[\"spark.sql.shuffle.partitions\"]: changed from '8' to '16'; Spark keeps the value the checkpoint was created with"),
        incompatible("the files sink path changed", "path: /data/clicks", "path: /data/clicks2",
            "spec.sinks[1].files.path: changed from '/data/clicks' to '/data/clicks2'; the output directory holds the sink's commit log (_spark_metadata)"),
        incompatible("the output mode changed", "outputMode: update\n      jdbc: {url: \"jdbc:postgresql://db/shop\", table: page_views, mode: upsert",
            "outputMode: complete\n      jdbc: {url: \"jdbc:postgresql://db/shop\", table: page_views, mode: upsert",
            "spec.sinks[0].outputMode: changed from update to complete; the query's state was built for the old mode"),
        incompatible("dedupe keys changed", "keys: [userId, ts]}", "keys: [userId]}",
            "spec.transforms[3].dedupe.keys: changed from [userId, ts] to [userId]; seen keys are the state"),
        incompatible("a sink now reads another source", "{name: raw, from: clicks,", "{name: raw, from: orders,",
            "spec.sinks[2].from: reads sources [orders] instead of [clicks]; a query cannot change its sources"),
        incompatible("a stateful step was inserted", "{name: archive, from: unique,", "{name: archive, from: perPage,",
            "spec.transforms[2]: stateful step 'perPage' is new; the checkpoint has no state for it",
            "spec.sinks[1].from: stateful step 'unique' was removed; the checkpoint holds its state"));
  }

  static Arguments compatible(String what, String from, String to) {
    return Arguments.of(what, from, to, List.of());
  }

  static Arguments incompatible(String what, String from, String to, String... expected) {
    return Arguments.of(what, from, to, List.of(expected));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("changes")
  void verdict(String what, String from, String to, List<String> expected) {
    StreamingPipeline before = PipelineLoader.parse(BASE).orThrow();
    String changed = from.isEmpty() ? BASE + to : BASE.replace(from, to);
    if (!from.isEmpty()) {
      assertThat(changed).as("test setup: the replacement applies").isNotEqualTo(BASE);
    }
    StreamingPipeline after = PipelineLoader.parse(changed).orThrow();

    CompatibilityReport report = CheckpointCompatibility.check(before, after);

    assertThat(report.incompatibilities()).extracting(Incompatibility::toString).containsExactlyElementsOf(expected);
    assertThat(report.compatible()).isEqualTo(expected.isEmpty());
  }

  static final String SCORED = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: scored}
      spec:
        sources:
          - name: readings
            kafka: {bootstrapServers: "k:9092", topic: readings}
            schema: [{name: sensor, type: string}, {name: value, type: double}, {name: ts, type: timestamp}]
            watermark: {column: ts, delay: 30s}
        transforms:
          - {name: scored, from: readings, anomaly: {column: value, keys: [sensor]%s}}
        sinks:
          - {name: out, from: scored, console: {}}
      """;

  @org.junit.jupiter.api.Test
  void anomalyStateTtlMayChangeItsDurationButNotBeTurnedOnOrOffWhenBothSpecsSayIt() {
    StreamingPipeline byDefault = PipelineLoader.parse(SCORED.formatted("")).orThrow();
    StreamingPipeline hour = PipelineLoader.parse(SCORED.formatted(", stateTtl: 1h")).orThrow();
    StreamingPipeline off = PipelineLoader.parse(SCORED.formatted(", stateTtl: off")).orThrow();
    assertThat(CheckpointCompatibility.check(byDefault, hour).compatible()).isTrue();
    assertThat(CheckpointCompatibility.check(hour, off).incompatibilities()).extracting(Incompatibility::toString)
        .containsExactly("spec.transforms[0].anomaly.stateTtl: changed from 1h to off; Spark stores state with a time "
            + "to live differently (from one duration to another is fine)");
    // Unstated: a record from a runner before stateTtl (state without TTL) or the default; Spark's check decides.
    assertThat(CheckpointCompatibility.check(byDefault, off).compatible()).isTrue();
    assertThat(CheckpointCompatibility.check(off, byDefault).compatible()).isTrue();
  }

  /** A stateless pipeline resumes with other shuffle partitions: only state is partitioned by them. */
  @org.junit.jupiter.api.Test
  void frozenSettingsMatterOnlyWhereTheCheckpointHasState() {
    String stateless = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: copy}
        spec:
          sparkConf: {spark.sql.shuffle.partitions: "%s"}
          sources: [{name: clicks, kafka: {bootstrapServers: "k:9092", topic: clicks}, format: text}]
          transforms: [{name: kept, from: clicks, filter: "length(value) > 0"}]
          sinks: [{name: out, from: kept, files: {path: /data/out, format: json}}]
        """;
    StreamingPipeline eight = PipelineLoader.parse(stateless.formatted("8")).orThrow();
    StreamingPipeline sixteen = PipelineLoader.parse(stateless.formatted("16")).orThrow();
    assertThat(CheckpointCompatibility.check(eight, sixteen).incompatibilities()).isEmpty();
    // the same change where a kept sink reads a window: refused (the "shuffle partitions changed" case above)
  }

  static final String CHECKED = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: checked}
      spec:
        sources:
          - {name: payments, kafka: {bootstrapServers: "k:9092", topic: payments}, schema: [{name: amount, type: double}]}
          - {name: refunds, kafka: {bootstrapServers: "k:9092", topic: refunds}, format: text}
        transforms:
          - name: valid
            from: refunds
            select: [value]
            expectations: [{name: short, condition: "length(value) < 100"%s}]
        sinks:
          - {name: out, from: payments, console: {}}
          - {name: rejected, from: deadLetters, kafka: {bootstrapServers: "k:9092", topic: dead}}
      """;

  @org.junit.jupiter.api.Test
  void theDeadLetterQueryReadsEverySourceThatRoutesToIt() {
    StreamingPipeline parseErrorsOnly = PipelineLoader.parse(CHECKED.formatted("")).orThrow();
    StreamingPipeline withRule = PipelineLoader.parse(CHECKED.formatted(", onViolation: deadLetter")).orThrow();
    // A text source never fails to parse: the rule brings refunds into the dead-letter query, which
    // Spark cannot resume with another set of sources.
    assertThat(CheckpointCompatibility.check(parseErrorsOnly, withRule).incompatibilities())
        .extracting(Incompatibility::toString)
        .containsExactly("spec.sinks[1].from: reads sources [payments, refunds] instead of [payments]; a query cannot "
            + "change its sources");
    assertThat(CheckpointCompatibility.check(withRule, withRule).compatible()).isTrue();
  }

  static final String MEDIAN = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: median}
      spec:
        sources:
          - {name: orders, kafka: {bootstrapServers: "k:9092", topic: orders}, schema: [{name: amount, type: double}, {name: tax, type: double}]}
        transforms:
          - {name: mid, from: orders, sql: "%s"}
        sinks:
          - {name: out, from: mid, outputMode: complete, console: {}}
      """;

  /** #29: an ordered-set aggregate keeps state; changing its ordering column was called compatible. */
  @org.junit.jupiter.api.Test
  void anOrderedSetAggregateKeepsState() {
    StreamingPipeline byAmount = PipelineLoader.parse(MEDIAN.formatted(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount) AS median FROM orders")).orThrow();
    StreamingPipeline byTax = PipelineLoader.parse(MEDIAN.formatted(
        "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY tax) AS median FROM orders")).orThrow();
    assertThat(CheckpointCompatibility.check(byAmount, byTax).incompatibilities()).extracting(Incompatibility::toString)
        .containsExactly("spec.transforms[0].sql: changed from 'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY amount)"
            + " AS median FROM orders' to 'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY tax) AS median FROM orders';"
            + " the query aggregates, joins or deduplicates; its state cannot be reused");
  }

  /**
   * SQL the rules cannot read as stateful (a user-defined aggregate): when the query's checkpoint
   * holds state and no other step explains it, the checkpoint is believed, not the rules.
   */
  @org.junit.jupiter.api.Test
  void aCheckpointHoldingStateMakesItsOnlySqlStepStateful() {
    StreamingPipeline before = PipelineLoader.parse(MEDIAN.formatted("SELECT my_median(amount) AS m FROM orders")).orThrow();
    StreamingPipeline after = PipelineLoader.parse(MEDIAN.formatted("SELECT my_median(tax) AS m FROM orders")).orThrow();
    QueryRecords recorded = QueryRecords.allFrom(before);
    assertThat(CheckpointCompatibility.check(recorded, after, sink -> false).compatible()).isTrue();
    assertThat(CheckpointCompatibility.check(recorded, after, "out"::equals).incompatibilities())
        .extracting(Incompatibility::toString).containsExactly("spec.transforms[0].sql: changed from 'SELECT my_median(amount)"
            + " AS m FROM orders' to 'SELECT my_median(tax) AS m FROM orders'; the query's checkpoint holds state and no"
            + " other step of it keeps any, so this one does; its state cannot be reused");
  }
}
