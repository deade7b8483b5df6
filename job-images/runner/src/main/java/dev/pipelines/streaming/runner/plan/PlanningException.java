package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.InvalidPipelineException;
import dev.pipelines.streaming.api.validation.Problem;
import java.util.List;

/** A problem found while turning a valid-looking spec into Spark DataFrames. */
public class PlanningException extends InvalidPipelineException {
  public PlanningException(List<Problem> problems) {
    super(problems);
  }
}
