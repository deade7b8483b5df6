package dev.pipelines.streaming.api;

import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.Problem;
import java.util.List;

/** A pipeline (null when it could not be read at all) and everything wrong with it. */
public record LoadResult(StreamingPipeline pipeline, List<Problem> problems) {

  static LoadResult failed(Problem problem) {
    return new LoadResult(null, List.of(problem));
  }

  public boolean isValid() {
    return pipeline != null && problems.isEmpty();
  }

  /** The valid pipeline, or an exception listing every problem. */
  public StreamingPipeline orThrow() {
    if (!isValid()) {
      throw new InvalidPipelineException(problems);
    }
    return pipeline;
  }
}
