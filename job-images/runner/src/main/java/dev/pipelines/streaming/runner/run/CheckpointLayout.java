package dev.pipelines.streaming.runner.run;

/**
 * Where each query keeps its checkpoint: {@code <root>/<pipeline>/<sink>}. One directory per
 * sink because each sink is its own query; stable across restarts and upgrades so that a new
 * driver resumes from the committed offsets and state. In each of them,
 * {@code spo-query.json} records the spec that last wrote it ({@link SpecRecord}).
 */
public record CheckpointLayout(String root) {
  public static final String DEFAULT_ROOT = "./checkpoints";

  /** {@code <root>/<pipeline>}: every checkpoint of one pipeline. */
  public String forPipeline(String pipeline) {
    String base = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    return base + "/" + pipeline;
  }

  public String forSink(String pipeline, String sink) {
    return forPipeline(pipeline) + "/" + sink;
  }
}
