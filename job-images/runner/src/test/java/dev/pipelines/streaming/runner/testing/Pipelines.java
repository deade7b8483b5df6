package dev.pipelines.streaming.runner.testing;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.runner.plan.LiveSources;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.SecretResolver;
import dev.pipelines.streaming.runner.run.CheckpointLayout;
import dev.pipelines.streaming.runner.run.PipelineRunner;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;

/** Runs pipeline YAML in the test's SparkSession, the way {@code spo run} does. */
public final class Pipelines {
  private Pipelines() {}

  public static StreamingPipeline parse(String yaml) {
    return PipelineLoader.parse(yaml).orThrow();
  }

  public static List<StreamingQuery> start(SparkSession spark, String yaml, Path checkpointRoot) {
    return start(spark, yaml, checkpointRoot, System.err);
  }

  /** As {@link #start(SparkSession, String, Path)}, with the runner's lines going to {@code log}. */
  public static List<StreamingQuery> start(SparkSession spark, String yaml, Path checkpointRoot, PrintStream log) {
    StreamingPipeline pipeline = parse(yaml);
    SecretResolver secrets = SecretResolver.fromSystemEnvironment();
    PipelineRunner runner = new PipelineRunner(spark, new CheckpointLayout(checkpointRoot.toString()), secrets, log);
    return runner.start(PipelinePlanner.plan(spark, pipeline, new LiveSources(spark, secrets)));
  }

  /** Runs until every query ends (availableNow triggers) and returns the runner's exit code. */
  public static int runToCompletion(SparkSession spark, String yaml, Path checkpointRoot) {
    return runToCompletion(spark, yaml, checkpointRoot, System.err);
  }

  /** As {@link #runToCompletion(SparkSession, String, Path)}, with the runner's lines going to {@code log}. */
  public static int runToCompletion(SparkSession spark, String yaml, Path checkpointRoot, PrintStream log) {
    return runToCompletion(spark, yaml, checkpointRoot, log, SecretResolver.fromSystemEnvironment());
  }

  /** As {@link #runToCompletion(SparkSession, String, Path, PrintStream)}, with secrets from {@code secrets}. */
  public static int runToCompletion(SparkSession spark, String yaml, Path checkpointRoot, PrintStream log,
      SecretResolver secrets) {
    PipelineRunner runner = new PipelineRunner(spark, new CheckpointLayout(checkpointRoot.toString()), secrets, log);
    List<StreamingQuery> queries = runner.start(PipelinePlanner.plan(spark, parse(yaml), new LiveSources(spark, secrets)));
    return runner.awaitTermination(queries);
  }
}
