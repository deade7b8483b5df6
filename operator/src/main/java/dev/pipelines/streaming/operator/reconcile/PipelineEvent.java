package dev.pipelines.streaming.operator.reconcile;

/** A Kubernetes Event about a pipeline: the answer to "why did it do that?". */
public record PipelineEvent(Type type, String reason, String message) {
  public enum Type { Normal, Warning }

  public static PipelineEvent normal(String reason, String message) {
    return new PipelineEvent(Type.Normal, reason, message);
  }

  public static PipelineEvent warning(String reason, String message) {
    return new PipelineEvent(Type.Warning, reason, message);
  }
}
