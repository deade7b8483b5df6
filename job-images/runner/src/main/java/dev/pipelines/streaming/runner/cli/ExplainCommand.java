package dev.pipelines.streaming.runner.cli;

import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.runner.ExitCodes;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.PlannedPipeline;
import dev.pipelines.streaming.runner.plan.PlanningException;
import dev.pipelines.streaming.runner.plan.StandInSources;
import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "explain", mixinStandardHelpOptions = true,
    description = "Prints the Spark plan of each sink's query (sources stand in by their declared schema).")
public final class ExplainCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", description = "The pipeline file.")
  Path file;

  @Option(names = "--mode", defaultValue = "formatted",
      description = "Spark explain mode: simple, extended, codegen, cost or formatted (default: ${DEFAULT-VALUE}).")
  String mode;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    StreamingPipeline pipeline = PipelineFiles.loadOrReport(file, err);
    if (pipeline == null) {
      return ExitCodes.INVALID;
    }
    SparkSession session = SparkSessionFactory.create(pipeline, "local[1]", Map.of());
    try {
      PlannedPipeline planned = PipelinePlanner.plan(session, pipeline, new StandInSources(session));
      for (Map.Entry<SinkSpec, org.apache.spark.sql.Dataset<org.apache.spark.sql.Row>> e : planned.sinks().entrySet()) {
        SinkSpec sink = e.getKey();
        out.printf("== sink %s (from %s, outputMode %s) ==%n", sink.name(), sink.from(), sink.outputModeOrDefault().value());
        out.flush();
        e.getValue().explain(mode);
        System.out.flush();
      }
      return 0;
    } catch (PlanningException e) {
      PipelineFiles.report(file, e.problems(), err);
      return ExitCodes.INVALID;
    } catch (IllegalArgumentException e) {
      err.println("--mode: " + e.getMessage());
      return ExitCodes.INVALID;
    } finally {
      session.stop();
    }
  }
}
