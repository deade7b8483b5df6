package dev.pipelines.streaming.api;

import dev.pipelines.streaming.api.validation.Problem;
import java.util.List;
import java.util.stream.Collectors;

/** A pipeline that must not run; the message lists every problem, one per line. */
public class InvalidPipelineException extends RuntimeException {
  private final List<Problem> problems;

  public InvalidPipelineException(List<Problem> problems) {
    super(problems.size() + (problems.size() == 1 ? " problem" : " problems") + ":\n"
        + problems.stream().map(p -> "  " + p).collect(Collectors.joining("\n")));
    this.problems = List.copyOf(problems);
  }

  public List<Problem> problems() {
    return problems;
  }
}
