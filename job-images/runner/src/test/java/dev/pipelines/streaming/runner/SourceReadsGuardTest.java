package dev.pipelines.streaming.runner;

import static dev.pipelines.streaming.runner.CliTest.spo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.CliTest.Result;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The user's case: a {@code sql} step changed to read its one source twice (a union of two
 * filters). By names in YAML nothing changed, and {@code spo run} replaced the recorded spec and
 * then failed on every retry with Spark's "There are [1] sources in the checkpoint offsets and
 * now there are [2] sources" (exit 1, "a retry helps"). The guard now counts sources the way
 * Spark does, in the analysed plan, against the checkpoint's offsets: exit 3 before anything
 * starts, and the record stays the spec that wrote the checkpoint.
 */
class SourceReadsGuardTest {
  @TempDir Path dir;

  static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: words}
      spec:
        sources: [{name: lines, files: {path: "%s", format: text}}]
        transforms:
          - {name: kept, from: lines, sql: "%s"}
        sinks: [{name: out, from: kept, trigger: {availableNow: true}, files: {path: "%s", format: json}}]
      """;

  @Test
  void aSourceReadTwiceIsRefusedBeforeAnythingStartsAndTheRecordStays() throws Exception {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("a.txt"), "hello\nworld\n");
    Path spec = dir.resolve("words.yaml");
    String root = dir.resolve("cp").toString();
    Path record = dir.resolve("cp/words/out/spo-query.json");

    Files.writeString(spec, PIPELINE.formatted(in, "SELECT value FROM lines WHERE length(value) > 0", dir.resolve("out")));
    Result first = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(first.exit()).as(first.err()).isZero();
    String recorded = Files.readString(record);

    Files.writeString(spec, PIPELINE.formatted(in, "SELECT value FROM lines WHERE value LIKE 'h%'"
        + " UNION ALL SELECT value FROM lines WHERE value LIKE 'w%'", dir.resolve("out")));
    Result second = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);

    assertThat(second.exit()).as(second.err()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(second.err()).contains("\n  spec.sinks[0] (out): reads 2 streaming sources as Spark counts them, the"
        + " checkpoint holds 1; Spark resumes a query only with the sources it was started with");
    assertThat(record).as("the record is still the spec that wrote the checkpoint").hasContent(recorded);
  }

  /**
   * The other side: a query that reads a source twice from the start (the dead-letter query takes
   * a source's unparsable rows and its rule violations) resumes with the same spec, not refused.
   */
  @Test
  void aQueryThatReadsASourceTwiceFromTheStartResumes() throws Exception {
    Path in = Files.createDirectories(dir.resolve("pay"));
    Files.writeString(in.resolve("a.json"), "{\"id\":1,\"amount\":5}\n{\"id\":2,\"amount\":-1}\nnot json\n");
    Path spec = Files.writeString(dir.resolve("pay.yaml"), """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: pay}
        spec:
          sources: [{name: pay, files: {path: "%s", format: json}, schema: [{name: id, type: long}, {name: amount, type: double}]}]
          transforms:
            - name: valid
              from: pay
              filter: "true"
              expectations: [{name: positive, condition: "amount > 0", onViolation: deadLetter}]
          sinks:
            - {name: out, from: valid, trigger: {availableNow: true}, files: {path: "%s", format: json}}
            - {name: rejected, from: deadLetters, trigger: {availableNow: true}, files: {path: "%s", format: json}}
        """.formatted(in, dir.resolve("out"), dir.resolve("rejected")));
    String root = dir.resolve("cp").toString();
    assertThat(spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root).exit()).isZero();
    Files.writeString(in.resolve("b.json"), "{\"id\":3,\"amount\":7}\n");

    Result resumed = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);

    assertThat(resumed.exit()).as(resumed.err()).isZero();
    assertThat(Files.readAllLines(dir.resolve("cp/pay/rejected/offsets/0"))).as("two sources in the dead-letter query")
        .hasSize(4);
  }
}
