package dev.pipelines.streaming.runner.cli;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.runner.ExitCodes;
import dev.pipelines.streaming.runner.plan.PipelinePlanner;
import dev.pipelines.streaming.runner.plan.PlanningException;
import dev.pipelines.streaming.runner.plan.StandInSources;
import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

@Command(name = "validate", mixinStandardHelpOptions = true,
    description = {
        "Checks pipeline files and lists every problem with its field path.",
        "Besides the spec rules, Spark parses every SQL expression, resolves columns against the",
        "declared schemas and applies its streaming rules, without connecting to any source."})
public final class ValidateCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "FILE", arity = "1..*", description = "Pipeline files.")
  List<Path> files;

  @Option(names = "--spec-only", description = "Skip the Spark checks (faster; no SQL or column checks).")
  boolean specOnly;

  @Override
  public Integer call() {
    var out = spec.commandLine().getOut();
    var err = spec.commandLine().getErr();
    SparkSession session = null;
    boolean allValid = true;
    try {
      for (Path file : files) {
        StreamingPipeline pipeline = PipelineFiles.loadOrReport(file, err);
        if (pipeline == null) {
          allValid = false;
          continue;
        }
        if (!specOnly) {
          if (session == null) {
            session = SparkSessionFactory.create(null, "local[1]", Map.of());
          }
          try {
            PipelinePlanner.plan(session, pipeline, new StandInSources(session));
          } catch (PlanningException e) {
            PipelineFiles.report(file, e.problems(), err);
            allValid = false;
            continue;
          }
        }
        out.printf("%s: valid (%s)%n", file, summary(pipeline.spec()));
      }
    } finally {
      if (session != null) {
        session.stop();
      }
    }
    out.flush();
    return allValid ? ExitCodes.OK : ExitCodes.INVALID;
  }

  private static String summary(PipelineSpec spec) {
    return count(spec.sourcesOrEmpty().size(), "source") + ", "
        + count(spec.transformsOrEmpty().size(), "transform") + ", "
        + count(spec.sinksOrEmpty().size(), "sink");
  }

  private static String count(int n, String noun) {
    return n + " " + noun + (n == 1 ? "" : "s");
  }
}
