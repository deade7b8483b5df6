package dev.pipelines.streaming.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.testing.RealApiServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** What users do: kubectl apply against a real API server with the CRD installed. */
class KubectlApplyTest {
  static Path kubeconfig;

  @BeforeAll
  static void startServer() throws IOException {
    try (var admin = RealApiServer.adminClient()) {
      RealApiServer.installCrd(admin);
    }
    kubeconfig = RealApiServer.kubeconfigFile();
  }

  record Result(int exit, String output) {}

  static Result kubectl(String... args) throws IOException, InterruptedException {
    List<String> command = new ArrayList<>(List.of("kubectl", "--kubeconfig", kubeconfig.toString()));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes());
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    return new Result(p.exitValue(), out);
  }

  static Stream<Path> examples() throws IOException {
    return Files.list(Path.of("..", "examples")).filter(f -> f.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void everyExamplePassesServerSideDryRun(Path example) throws Exception {
    Result r = kubectl("apply", "--dry-run=server", "-n", "default", "-f", example.toString());
    assertThat(r.exit()).as(r.output()).isZero();
    assertThat(r.output()).contains("streamingpipeline.streaming.pipelines.dev/").contains("(server dry run)");
  }

  static final String VALID = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: broken, namespace: default}
      spec:
        checkpoint: {pvc: {}}
        sources: [{name: clicks, generator: {}}]
        transforms:
          - {name: w, from: clicks, window: {type: sliding, column: eventTime, size: 1m, slide: 30s, aggregations: [{fn: count}]}}
        sinks: [{name: out, from: w, console: {}, outputMode: update}]
      """;

  static Stream<Arguments> invalidManifests() {
    return Stream.of(
        Arguments.of("duplicate sink names", "sinks: [{name: out, from: w, console: {}, outputMode: update}]",
            "sinks: [{name: out, from: w, console: {}}, {name: out, from: w, console: {}}]",
            "spec.sinks: Invalid value: \"object\": sink names must be unique"),
        Arguments.of("two source kinds", "generator: {}}]", "generator: {}, socket: {host: h, port: 1}}]",
            "spec.sources[0]: Invalid value: \"object\": set exactly one of kafka, files, socket, generator, jdbc"),
        Arguments.of("slide longer than size", "slide: 30s", "slide: 5m",
            "spec.transforms[0].window: Invalid value: \"object\": a sliding window's slide must be at most its size"),
        Arguments.of("unknown enum value", "outputMode: update", "outputMode: appendd",
            "spec.sinks[0].outputMode: Unsupported value: \"appendd\": supported values: \"append\", \"complete\", \"update\""),
        Arguments.of("checkpoint both ways", "checkpoint: {pvc: {}}", "checkpoint: {pvc: {}, location: \"s3a://b/c\"}",
            "spec.checkpoint: Invalid value: \"object\": set location or pvc, not both"),
        Arguments.of("no sinks", "  sinks: [{name: out, from: w, console: {}, outputMode: update}]\n", "",
            "spec.sinks: Required value"),
        Arguments.of("unknown field", "generator: {}}]", "generator: {rowsPerSecnd: 5}}]",
            "unknown field \"spec.sources[0].generator.rowsPerSecnd\""),
        Arguments.of("a name too long for a checkpoint directory", "name: out,", "name: " + "o".repeat(70) + ",",
            "spec.sinks[0].name: Too long: may not be more than 63"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("invalidManifests")
  void invalidManifestsAreRefusedAtApplyTimeNamingTheField(String what, String from, String to, String message)
      throws Exception {
    assertThat(VALID).as("test setup").contains(from);
    Path file = Files.createTempFile("broken", ".yaml");
    Files.writeString(file, VALID.replace(from, to));
    Result r = kubectl("apply", "--dry-run=server", "-f", file.toString());
    assertThat(r.exit()).as(r.output()).isNotZero();
    assertThat(r.output()).contains(message);
  }
}
