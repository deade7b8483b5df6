package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI as a user meets it: exit codes and the exact lines printed. */
class CliTest {
  @TempDir Path dir;

  record Result(int exit, String out, String err) {}

  static Result spo(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    CommandLine cli = RunnerCli.commandLine();
    cli.setOut(new PrintWriter(out, true));
    cli.setErr(new PrintWriter(err, true));
    int exit = cli.execute(args);
    return new Result(exit, out.toString(), err.toString());
  }

  @Test
  void helpListsCommandsAndExitCodes() {
    Result r = spo("--help");
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("run ", "validate ", "explain ", "plan ", "preview ", "test ", "Exit codes:",
        "2   the pipeline file is invalid",
        "3   the checkpoint cannot be resumed with this spec");
    assertThat(spo("run", "--help").out()).contains("--checkpoint-root", "--master", "Ctrl-C", "--reset-checkpoint",
        "--adopt-checkpoint", "Exit codes:", "0   queries ended normally", "1   a streaming query failed",
        "2   the pipeline file is invalid", "3   the checkpoint cannot be resumed with this spec");
  }

  @Test
  void resetAndAdoptTogetherAreRefused() throws IOException {
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: p}
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
        """);
    Result r = spo("run", file.toString(), "--reset-checkpoint", "--adopt-checkpoint");
    assertThat(r.exit()).isEqualTo(ExitCodes.INVALID);
    assertThat(r.err()).isEqualTo("--reset-checkpoint and --adopt-checkpoint: choose one\n");
  }

  @Test
  void validateReportsEveryProblemAndExits2() throws IOException {
    Path file = dir.resolve("broken.yaml");
    Files.writeString(file, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: broken}
        spec:
          sources: [{name: clicks, generator: {rowsPerSecnd: 5}}]
          sinks: [{name: out, from: click, console: {}}]
        """);
    Result r = spo("validate", "--spec-only", file.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).isEqualTo(file + ": 1 problem\n"
        + "  spec.sources[0].generator.rowsPerSecnd: unknown field (did you mean 'rowsPerSecond'?)\n");

    Files.writeString(file, Files.readString(file).replace("rowsPerSecnd", "rowsPerSecond"));
    r = spo("validate", "--spec-only", file.toString());
    assertThat(r.err()).isEqualTo(file + ": 1 problem\n"
        + "  spec.sinks[0].from: unknown input 'click' (did you mean 'clicks'?)\n");
  }

  @Test
  void validateWithSparkAcceptsExamplesAndFindsSqlErrors() throws IOException {
    Path bad = dir.resolve("bad-sql.yaml");
    Files.writeString(bad, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: bad-sql}
        spec:
          sources: [{name: clicks, generator: {}}]
          transforms: [{name: t, from: clicks, filter: "pag = '/home'"}]
          sinks: [{name: out, from: t, console: {}}]
        """);
    Result r = spo("validate", "../../examples/clickstream-sliding-window.yaml", bad.toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.out()).isEqualTo("../../examples/clickstream-sliding-window.yaml: valid (1 source, 1 transform, 1 sink)\n");
    assertThat(r.err()).startsWith(bad + ": 1 problem\n  spec.transforms[0].filter: [UNRESOLVED_COLUMN.WITH_SUGGESTION]")
        .contains("`pag` cannot be resolved");
  }

  @Test
  void missingFileIsAClearError() {
    Result r = spo("run", dir.resolve("nope.yaml").toString());
    assertThat(r.exit()).isEqualTo(2);
    assertThat(r.err()).isEqualTo(dir.resolve("nope.yaml") + ": 1 problem\n  (file): file not found: "
        + dir.resolve("nope.yaml") + "\n");
  }

  @Test
  void explainPrintsThePlanOfEachSink() {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    Result r;
    try {
      r = spo("explain", "../../examples/kafka-tumbling-window-to-kafka.yaml");
    } finally {
      System.setOut(original);
    }
    assertThat(r.exit()).isZero();
    assertThat(r.out()).contains("== sink toKafka (from perMinute, outputMode append) ==");
    assertThat(captured.toString(StandardCharsets.UTF_8)).contains("EventTimeWatermark", "window");
  }

  @Test
  void runsAFilesPipelineToCompletion() throws IOException {
    Path in = Files.createDirectories(dir.resolve("in"));
    Files.writeString(in.resolve("a.txt"), "hello\nworld\n");
    Path file = dir.resolve("p.yaml");
    Files.writeString(file, """
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: lines}
        spec:
          sources: [{name: lines, files: {path: "%s", format: text}}]
          transforms: [{name: upper, from: lines, select: ["upper(value) AS line"]}]
          sinks: [{name: out, from: upper, trigger: {availableNow: true}, files: {path: "%s", format: csv}}]
        """.formatted(in, dir.resolve("out")));
    Result r = spo("run", file.toString(), "--master", "local[1]", "--checkpoint-root", dir.resolve("cp").toString());
    assertThat(r.exit()).isZero();
    try (var files = Files.list(dir.resolve("out"))) {
      String written = files.filter(p -> p.getFileName().toString().endsWith(".csv"))
          .map(p -> {
            try {
              return Files.readString(p);
            } catch (IOException e) {
              throw new IllegalStateException(e);
            }
          })
          .reduce("", String::concat);
      assertThat(written.lines().sorted()).containsExactly("HELLO", "WORLD");
    }
    assertThat(dir.resolve("cp/lines/out/offsets/0")).exists();
  }
}
