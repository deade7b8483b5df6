package dev.pipelines.streaming.runner;

import static dev.pipelines.streaming.runner.CliTest.spo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.CliTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The review's case (#29): v1 has sinks {@code raw} and {@code counts} (a window grouped by
 * {@code [page]}); v2 drops {@code counts}; v3 brings it back grouped by {@code [userId]}. The
 * pipeline's last spec (v2) has no {@code counts}, so a guard that compares with it calls the
 * sink new, and Spark merged the old page-keyed state with userId keys. Each query's directory
 * now records the spec that last wrote it, and v3 is judged against that (v1): exit 3, the field
 * named, nothing written; v3 grouped by {@code [page]} again resumes.
 */
class ReaddedSinkTest {
  @TempDir Path dir;

  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: shop}
      spec:
        sources:
          - name: clicks
            files: {path: "%s", format: json}
            schema: [{name: page, type: string}, {name: userId, type: string}, {name: ts, type: timestamp}]
            watermark: {column: ts, delay: 10s}
        transforms: %s
        sinks:
          - {name: raw, from: clicks, trigger: {availableNow: true}, files: {path: "%s", format: json}}%s
      """;
  static final String COUNTS_SINK =
      "\n    - {name: counts, from: perKey, outputMode: update, trigger: {availableNow: true}, console: {}}";

  static String counts(String groupBy) {
    return "[{name: perKey, from: clicks, window: {column: ts, size: 1m, groupBy: " + groupBy
        + ", aggregations: [{fn: count, as: views}]}}]";
  }

  @Test
  void aSinkAddedBackIsJudgedAgainstTheSpecThatLastWroteItsCheckpoint() throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Path spec = dir.resolve("shop.yaml");
    String root = dir.resolve("cp").toString();
    Path countsRecord = dir.resolve("cp/shop/counts/spo-query.json");
    String out = dir.resolve("out").toString();

    write(in, "1.json", "/a", "u1", "10:00:00");
    Files.writeString(spec, PIPELINE.formatted(in, counts("[page]"), out, COUNTS_SINK));
    Result v1 = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(v1.exit()).as(v1.err()).isZero();
    String v1Record = Files.readString(countsRecord);

    write(in, "2.json", "/b", "u2", "10:00:05");
    Files.writeString(spec, PIPELINE.formatted(in, "[]", out, ""));
    Result v2 = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(v2.exit()).as(v2.err()).isZero();
    assertThat(countsRecord).as("a removed sink's directory keeps its record").hasContent(v1Record);

    Files.writeString(spec, PIPELINE.formatted(in, counts("[userId]"), out, COUNTS_SINK));
    Result v3 = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(v3.exit()).as(v3.err()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(v3.err()).startsWith(spec + ": refusing to start on checkpoint " + dir.resolve("cp/shop")
        + " (nothing was started or written):\n"
        + "  spec.transforms[0].window.groupBy: changed from [page] to [userId]; grouping keys are the state's keys\n");
    assertThat(countsRecord).as("the record is still the spec that wrote the checkpoint").hasContent(v1Record);

    Files.writeString(spec, PIPELINE.formatted(in, counts("[page]"), out, COUNTS_SINK));
    Result back = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(back.exit()).as("v1's grouping resumes its own state\n" + back.err()).isZero();
  }

  /**
   * A checkpoint written by an earlier runner has one record for the whole pipeline
   * ({@code spo-spec.json}): a query it names is judged against it; a query with state it does
   * not name (its sink was removed and added back under that runner) is unknown, refused.
   */
  @Test
  void anEarlierRunnersPipelineRecordStillCountsForTheQueriesItNames() throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Path spec = dir.resolve("shop.yaml");
    String root = dir.resolve("cp").toString();
    Path pipelineDir = dir.resolve("cp/shop");
    String out = dir.resolve("out").toString();
    write(in, "1.json", "/a", "u1", "10:00:00");
    Files.writeString(spec, PIPELINE.formatted(in, counts("[page]"), out, COUNTS_SINK));
    assertThat(spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root).exit()).isZero();

    // As an earlier runner left it: v1 in <pipeline>/spo-spec.json, no record in the query directories.
    Files.move(pipelineDir.resolve("counts/spo-query.json"), pipelineDir.resolve("spo-spec.json"),
        StandardCopyOption.REPLACE_EXISTING);
    Files.deleteIfExists(pipelineDir.resolve("counts/.spo-query.json.crc"));
    Files.delete(pipelineDir.resolve("raw/spo-query.json"));
    Files.writeString(spec, PIPELINE.formatted(in, counts("[userId]"), out, COUNTS_SINK));
    Result changed = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(changed.exit()).as(changed.err()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(changed.err()).contains(
        "\n  spec.transforms[0].window.groupBy: changed from [page] to [userId]; grouping keys are the state's keys\n");

    // The same pipeline record without the counts sink: its query's state is of unknown origin.
    Files.writeString(pipelineDir.resolve("spo-spec.json"),
        Files.readString(pipelineDir.resolve("spo-spec.json")).replace("\"counts\"", "\"gone\""));
    Files.deleteIfExists(pipelineDir.resolve(".spo-spec.json.crc"));
    Files.writeString(spec, PIPELINE.formatted(in, counts("[page]"), out, COUNTS_SINK));
    Result unknown = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(unknown.exit()).as(unknown.err()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(unknown.err()).contains("\n  " + pipelineDir.resolve("counts") + " has query state but no record of the"
        + " spec that wrote it (spo-query.json; " + pipelineDir.resolve("spo-spec.json") + " has no sink 'counts': it"
        + " was removed and added back since), so whether this spec may resume it is unknown\n");
    Result adopted = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root, "--adopt-checkpoint");
    assertThat(adopted.exit()).as("nobody can vouch for that state, --adopt-checkpoint (as the operator passes it) neither\n"
        + adopted.err()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(adopted.err()).contains("Give the sink a new name (a new query), or run with --reset-checkpoint");

    Files.writeString(pipelineDir.resolve("spo-spec.json"),
        Files.readString(pipelineDir.resolve("spo-spec.json")).replace("\"gone\"", "\"counts\""));
    Result resumed = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(resumed.exit()).as(resumed.err()).isZero();
    assertThat(pipelineDir.resolve("counts/spo-query.json")).as("records move into the query directories").exists();
    assertThat(pipelineDir.resolve("raw/spo-query.json")).exists();
    assertThat(pipelineDir.resolve("spo-spec.json")).as("retired once every query has its own record").doesNotExist();
  }

  private static void write(Path in, String file, String page, String user, String time) throws Exception {
    Files.writeString(in.resolve(file),
        "{\"page\":\"" + page + "\",\"userId\":\"" + user + "\",\"ts\":\"2026-01-01T" + time + "Z\"}\n");
  }
}
