package dev.pipelines.streaming.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every file a user copies from examples/ must be valid. */
class ExamplesTest {
  static final Path EXAMPLES = Path.of("..", "examples");

  static Stream<Path> examples() throws IOException {
    return Files.list(EXAMPLES).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void exampleIsValid(Path example) {
    LoadResult result = PipelineLoader.load(example);
    assertThat(result.problems()).as(example.toString()).isEmpty();
    assertThat(result.pipeline().name()).isNotBlank();
  }

  @Test
  void thereAreExamples() throws IOException {
    List<Path> all = examples().toList();
    assertThat(all).extracting(p -> p.getFileName().toString())
        .contains("clickstream-sliding-window.yaml", "kafka-tumbling-window-to-kafka.yaml");
  }
}
