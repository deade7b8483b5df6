package dev.pipelines.streaming.api.compat;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import org.junit.jupiter.api.Test;

/**
 * A change judged per query, against the spec that last wrote that query's checkpoint: the
 * review's remove-then-re-add sequence, which one remembered spec called "a sink was added".
 */
class QueryRecordsTest {
  static final String SHOP = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: shop}
      spec:
        sources:
          - name: clicks
            kafka: {bootstrapServers: "k:9092", topic: clicks}
            schema: [{name: page, type: string}, {name: userId, type: string}, {name: ts, type: timestamp}]
            watermark: {column: ts, delay: 30s}
        transforms: %s
        sinks:
          - {name: raw, from: clicks, files: {path: /data/raw, format: json}}%s
      """;

  static StreamingPipeline shop(String groupBy, boolean withCounts) {
    String transforms = groupBy == null ? "[]" : "[{name: perKey, from: clicks, window: {column: ts, size: 1m, groupBy: "
        + groupBy + ", aggregations: [{fn: count, as: views}]}}]";
    String counts = withCounts ? "\n    - {name: counts, from: perKey, outputMode: append, files: {path: /data/counts, format: json}}" : "";
    return PipelineLoader.parse(SHOP.formatted(transforms, counts)).orThrow();
  }

  @Test
  void aSinkAddedBackIsHeldToTheSpecThatLastRanIt() {
    StreamingPipeline v1 = shop("[page]", true);
    StreamingPipeline v2 = shop(null, false);
    StreamingPipeline v3 = shop("[userId]", true);
    QueryRecords afterV2 = QueryRecords.allFrom(v1).after(v2);

    assertThat(afterV2.lastWrote("raw")).isSameAs(v2);
    assertThat(afterV2.lastWrote("counts")).as("a removed sink keeps its record").isSameAs(v1);
    assertThat(afterV2.retiredFrom(v2)).containsOnlyKeys("counts");
    assertThat(afterV2.retiredFrom(v3)).as("added back: no longer retired").isEmpty();

    assertThat(CheckpointCompatibility.check(v2, v3).compatible()).as("the last spec alone calls it new").isTrue();
    assertThat(CheckpointCompatibility.check(afterV2, v3).incompatibilities()).extracting(Incompatibility::toString)
        .containsExactly("spec.transforms[0].window.groupBy: changed from [page] to [userId]; grouping keys are the state's keys");
    assertThat(CheckpointCompatibility.check(afterV2, shop("[page]", true)).compatible()).isTrue();
  }

  /** On a reset the new checkpoint's batch ids restart at 0: a removed sink's old path counts too. */
  @Test
  void aResetRefusesToWriteWhereARemovedSinkWrote() {
    StreamingPipeline v1 = shop("[page]", true);
    StreamingPipeline v2 = shop(null, false);
    String v3 = SHOP.formatted("[{name: perKey, from: clicks, window: {column: ts, size: 1m, groupBy: [userId],"
        + " aggregations: [{fn: count, as: views}]}}]", "\n    - {name: counts, from: perKey, outputMode: append,"
        + " files: {path: /data/counts, format: json}}").replace("sinks:", "upgrade: {onIncompatibleChange: resetCheckpoint}\n  sinks:")
        .replace("/data/raw", "/data/raw2");
    UpgradeDecision decision = UpgradeDecision.decide(QueryRecords.allFrom(v1).after(v2), PipelineLoader.parse(v3).orThrow());
    assertThat(decision.outcome()).isEqualTo(UpgradeDecision.Outcome.REFUSE_REUSED_OUTPUT_PATH);
    assertThat(decision.reusedOutputPaths()).containsExactly("spec.sinks[1].files.path (/data/counts)");
  }
}
