package dev.pipelines.streaming.api.validation;

/**
 * One thing wrong with a pipeline, where it is and how to fix it. Printed as
 * {@code spec.sinks[0].kafka.topic: required (the topic to write to)}.
 */
public record Problem(String path, String message, String hint) {

  public static Problem at(String path, String message) {
    return new Problem(path, message, null);
  }

  public static Problem at(String path, String message, String hint) {
    return new Problem(path, message, hint);
  }

  @Override
  public String toString() {
    String where = path == null || path.isEmpty() ? "(file)" : path;
    return where + ": " + message + (hint == null ? "" : " (" + hint + ")");
  }
}
