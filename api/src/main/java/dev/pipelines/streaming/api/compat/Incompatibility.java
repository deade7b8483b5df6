package dev.pipelines.streaming.api.compat;

/** One change that stops a query from resuming its checkpoint, at the field that changed. */
public record Incompatibility(String path, String message) {
  @Override
  public String toString() {
    return path + ": " + message;
  }
}
