package dev.pipelines.streaming.runner;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.PlannedPipeline;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import dev.pipelines.streaming.runner.plan.StandInSources;
import dev.pipelines.streaming.runner.testing.SparkTestSession;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Every example passes Spark's own checks too (what `spo validate` runs), not only the spec rules. */
class ExamplesPlanTest {
  static SparkSession spark;

  @BeforeAll
  static void startSpark() {
    spark = SparkTestSession.create();
  }

  @AfterAll
  static void stopSpark() {
    spark.stop();
  }

  static Stream<Path> examples() throws IOException {
    return Files.list(Path.of("..", "..", "examples")).filter(p -> p.toString().endsWith(".yaml")).sorted();
  }

  @ParameterizedTest
  @MethodSource("examples")
  void plansWithSpark(Path example) {
    var pipeline = PipelineLoader.load(example).orThrow();
    // Examples read credentials from the environment; any value will do for planning.
    SecretResolver anyCredentials = new SecretResolver(name -> "example");
    PlannedPipeline planned = PipelinePlanner.plan(spark, pipeline, new StandInSources(spark, anyCredentials));
    assertThat(planned.sinks()).hasSameSizeAs(pipeline.spec().sinks());
  }
}
