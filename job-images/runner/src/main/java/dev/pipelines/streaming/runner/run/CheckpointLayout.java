package dev.pipelines.streaming.runner.run;

/**
 * Where each query keeps its checkpoint: {@code <root>/<pipeline>/<sink>}. One directory per
 * sink because each sink is its own query; stable across restarts and upgrades so that a new
 * driver resumes from the committed offsets and state.
 */
public record CheckpointLayout(String root) {
  public static final String DEFAULT_ROOT = "./checkpoints";

  public String forSink(String pipeline, String sink) {
    String base = root.endsWith("/") ? root.substring(0, root.length() - 1) : root;
    return base + "/" + pipeline + "/" + sink;
  }
}
