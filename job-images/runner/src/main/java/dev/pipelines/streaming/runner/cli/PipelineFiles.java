package dev.pipelines.streaming.runner.cli;

import dev.pipelines.streaming.api.LoadResult;
import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.Problem;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;

/** Loads a pipeline file for a command, printing every problem the way users read them. */
final class PipelineFiles {
  private PipelineFiles() {}

  /** The valid pipeline, or null after printing its problems to {@code err}. */
  static StreamingPipeline loadOrReport(Path file, PrintWriter err) {
    LoadResult result = PipelineLoader.load(file);
    if (!result.isValid()) {
      report(file, result.problems(), err);
      return null;
    }
    return result.pipeline();
  }

  static void report(Path file, List<Problem> problems, PrintWriter err) {
    err.printf("%s: %d %s%n", file, problems.size(), problems.size() == 1 ? "problem" : "problems");
    problems.forEach(p -> err.println("  " + p));
    err.flush();
  }
}
