package dev.pipelines.streaming.api.model;

/**
 * How static tables (a {@code jdbc} source, a {@code files} source with {@code static: true})
 * stay current: each is read once into the executors' memory and read again every
 * {@code refreshInterval}, the same rule for both kinds.
 */
public final class StaticRefresh {
  /** The default {@code refreshInterval}. */
  public static final String DEFAULT_INTERVAL = "5m";

  private StaticRefresh() {}
}
