package dev.pipelines.streaming.runner;

import static dev.pipelines.streaming.runner.CliTest.spo;
import static dev.pipelines.streaming.runner.testing.PostgresServer.query;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.CliTest.Result;
import dev.pipelines.streaming.runner.testing.PostgresServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code spo run} on checkpoints that exist, do not match, or were reset (in this JVM, with
 * availableNow triggers): a reset loses no rows in PostgreSQL, same-named pipelines on other
 * checkpoints keep their own markers, a files sink never writes a fresh checkpoint into a path
 * whose batch log belongs to another, and a checkpoint without a recorded spec is refused
 * until adopted.
 */
class CheckpointResetTest {
  @TempDir Path dir;

  static final String LEDGER = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: ledger}
      spec:
        sources:
          - name: events
            files: {path: "%s", format: json, maxFilesPerTrigger: 1}
            schema: [{name: id, type: long}, {name: note, type: string}]
        sinks:
          - {name: raw, from: events, trigger: {availableNow: true}, jdbc: {url: "%s", table: %s}}
      """;

  @Test
  void resetThenRunAgainKeepsEveryRowOfBothRunsOnceInPostgres() throws Exception {
    String url = PostgresServer.shared().createDatabase("resets");
    Path first = inputs("in-1", 0);
    Path second = inputs("in-2", 30);
    Path spec = dir.resolve("ledger.yaml");
    String root = dir.resolve("cp").toString();

    Files.writeString(spec, LEDGER.formatted(first, url, "events"));
    assertThat(spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root).exit()).isZero();
    assertThat(query(url, "SELECT count(*), max(batch_id) FROM spo_query_commits")).containsExactly("1 2");

    // Another input path: the checkpoint lists files of the old one, so it is refused...
    Files.writeString(spec, LEDGER.formatted(second, url, "events"));
    Result refused = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(refused.exit()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(refused.err()).contains("\n  spec.sources[0].files.path: changed from '" + first + "' to '" + second
        + "'; the checkpoint lists the files already read from the old path\n");

    // ... until the user resets it. The new checkpoint's batch ids restart at 0: none may be
    // taken for the old checkpoint's batches 0..2.
    Result reset = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root, "--reset-checkpoint");
    assertThat(reset.exit()).as(reset.err()).isZero();
    Path aside = movedAside(dir.resolve("cp"), "ledger");
    assertThat(reset.err()).contains("--reset-checkpoint: moved the old checkpoint " + dir.resolve("cp/ledger")
        + " to " + aside + " (kept; delete it when you no longer need it)");
    assertThat(aside.resolve("raw/commits/2")).exists();
    assertThat(query(url, "SELECT count(*), count(DISTINCT id), min(id), max(id) FROM events"))
        .as("every row of both runs, once").containsExactly("60 60 0 59");
    assertThat(query(url, "SELECT pipeline, sink, target_table, batch_id FROM spo_query_commits ORDER BY committed_at"))
        .containsExactly("ledger raw events 2", "ledger raw events 2");

    // The same pipeline name on another checkpoint (another namespace), same database: its own marker.
    Files.writeString(spec, LEDGER.formatted(first, url, "events_b"));
    assertThat(spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", dir.resolve("cp-b").toString())
        .exit()).isZero();
    assertThat(query(url, "SELECT count(*), min(id), max(id) FROM events_b")).containsExactly("30 0 29");
    assertThat(query(url, "SELECT count(DISTINCT query_id) FROM spo_query_commits")).containsExactly("3");
  }

  @Test
  void filesSinkRefusesAFreshCheckpointInAPathWithAnotherBatchLog() throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("a.txt"), "hello\nworld\n");
    Path out = dir.resolve("out");
    Path spec = dir.resolve("lines.yaml");
    String yaml = """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: lines}
        spec:
          sources: [{name: lines, files: {path: "%s", format: text}}]
          sinks: [{name: out, from: lines, trigger: {availableNow: true}, files: {path: "%s", format: json}}]
        """;
    Files.writeString(spec, yaml.formatted(in, out));
    Path checkpoint = dir.resolve("cp/lines");
    String root = dir.resolve("cp").toString();
    assertThat(spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root).exit()).isZero();
    Path record = checkpoint.resolve("out/spo-query.json");
    assertThat(record).exists();

    // A checkpoint whose record is lost has none: unknown, refused until adopted.
    Files.delete(record);
    Files.deleteIfExists(checkpoint.resolve("out/.spo-query.json.crc"));
    Result unknown = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root);
    assertThat(unknown.exit()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(unknown.err()).isEqualTo(spec + ": refusing to start on checkpoint " + checkpoint
        + " (nothing was started or written):\n"
        + "  " + checkpoint.resolve("out") + " has query state but no record of the spec that wrote it"
        + " (spo-query.json; an older runner wrote it, or the record was lost), so whether this spec may resume it is"
        + " unknown\n"
        + "Run with --adopt-checkpoint if this spec, or a compatible change of it, wrote that checkpoint;"
        + " or run with --reset-checkpoint to start over (the old checkpoint is moved aside, not deleted).\n");
    assertThat(record).doesNotExist();
    Result adopted = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root, "--adopt-checkpoint");
    assertThat(adopted.exit()).as(adopted.err()).isZero();
    assertThat(adopted.err()).contains("--adopt-checkpoint: recorded this spec as the one that wrote " + checkpoint.resolve("out"));
    assertThat(record).exists();

    // A reset into the same path: the new checkpoint's batch 0 is in out/_spark_metadata already.
    Result samePath = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root, "--reset-checkpoint");
    assertThat(samePath.exit()).isEqualTo(ExitCodes.INCOMPATIBLE_CHECKPOINT);
    assertThat(samePath.err()).isEqualTo(spec + ": refusing to start on checkpoint " + checkpoint
        + " (nothing was started or written):\n"
        + "  spec.sinks[0].files.path: '" + out + "' already holds another checkpoint's batches (its _spark_metadata"
        + " log); Spark would skip this new checkpoint's first batches as already written. Choose a new path for"
        + " the new checkpoint.\n");
    assertThat(checkpoint.resolve("out/commits/0")).as("old checkpoint left in place").exists();

    Path newOut = dir.resolve("out-2");
    Files.writeString(spec, yaml.formatted(in, newOut));
    Result newPath = spo("run", spec.toString(), "--master", "local[2]", "--checkpoint-root", root, "--reset-checkpoint");
    assertThat(newPath.exit()).as(newPath.err()).isZero();
    assertThat(movedAside(dir.resolve("cp"), "lines").resolve("out/commits/0")).exists();
    assertThat(jsonLines(newOut)).containsExactly("{\"value\":\"hello\"}", "{\"value\":\"world\"}");
  }

  /** Three JSON files of ten rows each, ids from {@code first}: three batches at one file per trigger. */
  private Path inputs(String name, int first) throws IOException {
    Path in = Files.createDirectories(dir.resolve(name));
    for (int f = 0; f < 3; f++) {
      int from = first + f * 10;
      Files.writeString(in.resolve("part-" + f + ".json"), IntStream.range(from, from + 10)
          .mapToObj(id -> "{\"id\":" + id + ",\"note\":\"" + name + "\"}\n").collect(Collectors.joining()));
    }
    return in;
  }

  private static Path movedAside(Path root, String pipeline) throws IOException {
    try (Stream<Path> entries = Files.list(root)) {
      List<Path> aside = entries.filter(p -> p.getFileName().toString().matches(pipeline + "\\.reset-\\d{8}T\\d{6}Z"))
          .toList();
      assertThat(aside).hasSize(1);
      return aside.get(0);
    }
  }

  private static List<String> jsonLines(Path out) throws IOException {
    try (Stream<Path> files = Files.list(out)) {
      return files.filter(p -> p.getFileName().toString().endsWith(".json"))
          .flatMap(p -> {
            try {
              return Files.readAllLines(p).stream();
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
          })
          .sorted().toList();
    }
  }
}
