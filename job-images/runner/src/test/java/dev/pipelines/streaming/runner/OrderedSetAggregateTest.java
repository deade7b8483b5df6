package dev.pipelines.streaming.runner;

import static dev.pipelines.streaming.runner.CliTest.spo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.CliTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * #29: a global median ({@code percentile_cont(0.5) WITHIN GROUP (ORDER BY amount)}) keeps its
 * buffer in the state store, but the rules did not read it as stateful, so ordering by another
 * column resumed the amounts' buffer as if it held taxes. Refused now (exit 3, the field named),
 * and for SQL no rule reads as stateful the query's checkpoint (its {@code state/} directory) says so
 * (CheckpointCompatibilityTest#aCheckpointHoldingStateMakesItsOnlySqlStepStateful).
 */
class OrderedSetAggregateTest {
  @TempDir Path dir;

  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: median}
      spec:
        sources:
          - name: orders
            files: {path: "%s", format: json}
            schema: [{name: amount, type: double}, {name: tax, type: double}]
        transforms:
          - {name: mid, from: orders, sql: "SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY %s) AS median FROM orders"}
        sinks:
          - {name: out, from: mid, outputMode: complete, trigger: {availableNow: true}, console: {}}
      """;

  @Test
  void changingTheOrderingColumnOfAMedianIsRefused() throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("1.json"), "{\"amount\":10,\"tax\":1}\n{\"amount\":30,\"tax\":3}\n");
    Path spec = dir.resolve("median.yaml");
    String root = dir.resolve("cp").toString();
    Files.writeString(spec, PIPELINE.formatted(in, "amount"));
    Result first = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(first.exit()).as(first.err()).isZero();
    assertThat(dir.resolve("cp/median/out/state")).as("Spark keeps the median's buffer as state").isDirectory();

    Files.writeString(spec, PIPELINE.formatted(in, "tax"));
    Result second = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(second.exit()).as(second.err()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(second.err()).contains("\n  spec.transforms[0].sql: changed from 'SELECT percentile_cont(0.5) WITHIN GROUP"
        + " (ORDER BY amount) AS median FROM orders' to 'SELECT percentile_cont(0.5) WITHIN GROUP (ORDER BY tax) AS median"
        + " FROM orders'; the query aggregates, joins or deduplicates; its state cannot be reused\n");
  }
}
