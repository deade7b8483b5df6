package dev.pipelines.streaming.runner.run;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.streaming.StreamingQuery;

/**
 * On SIGTERM or Ctrl-C, lets each query finish the micro-batch it is running, then stops it,
 * before Spark tears down its context. A batch cut short would be re-run from the checkpoint
 * anyway; waiting avoids redoing work and a noisy shutdown.
 *
 * <p>Registered with Hadoop's shutdown hook manager at a priority above Spark's own hook
 * (which Spark registers there at priority 40), so it runs first.
 */
public final class GracefulShutdown {
  static final int PRIORITY = 100;
  private final List<StreamingQuery> queries;
  private final Duration timeout;
  private final PrintStream log;
  private final AtomicBoolean requested = new AtomicBoolean();

  public GracefulShutdown(List<StreamingQuery> queries, Duration timeout, PrintStream log) {
    this.queries = queries;
    this.timeout = timeout;
    this.log = log;
  }

  public void install() {
    ShutdownHookManager.get().addShutdownHook(this::stopAll, PRIORITY, timeout.toSeconds() + 5, TimeUnit.SECONDS);
  }

  public boolean wasRequested() {
    return requested.get();
  }

  /** Stops every query after its current batch; safe to call more than once. */
  public void stopAll() {
    if (!requested.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (StreamingQuery q : queries) {
      if (!q.isActive()) {
        continue;
      }
      log.printf("[%s] stopping after the current batch%n", q.name());
      while (q.isActive() && q.status().isTriggerActive() && System.nanoTime() < deadline) {
        sleep();
      }
      try {
        q.stop();
      } catch (Exception e) {
        log.printf("[%s] stop: %s%n", q.name(), e.getMessage());
      }
      if (q.lastProgress() != null) {
        log.printf("[%s] stopped at batch %d%n", q.name(), q.lastProgress().batchId());
      }
    }
  }

  private static void sleep() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
