package dev.pipelines.streaming.runner.run;

import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * On SIGTERM or Ctrl-C, lets each query finish the micro-batch it is running, then stops it,
 * before Spark tears down its context. A batch cut short would be re-run from the checkpoint
 * anyway; waiting avoids redoing work and a noisy shutdown.
 *
 * <p>SIGTERM and SIGINT are caught ({@link StopSignals}) so that a finished graceful stop
 * ends the process with exit code 0 rather than the JVM's 143/130. Any other JVM shutdown
 * (a second signal, System.exit elsewhere) still runs {@link #stopAll} from a hook registered
 * with Hadoop's shutdown hook manager at a priority above Spark's own hook (which Spark
 * registers there at priority 40), so it runs first.
 */
public final class GracefulShutdown {
  static final int PRIORITY = 100;
  private final List<StreamingQuery> queries;
  private final Duration timeout;
  private final PrintStream log;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final AtomicBoolean jvmExiting = new AtomicBoolean();
  private StopSignals signals;

  public GracefulShutdown(List<StreamingQuery> queries, Duration timeout, PrintStream log) {
    this.queries = queries;
    this.timeout = timeout;
    this.log = log;
  }

  /** Catches SIGTERM/SIGINT and registers the shutdown hook; undo with {@link #uninstall}. */
  public void install() {
    signals = new StopSignals(this::stopAll).install();
    ShutdownHookManager.get().addShutdownHook(this::stopInJvmShutdown, PRIORITY, timeout.toSeconds() + 5,
        TimeUnit.SECONDS);
  }

  /**
   * Gives SIGTERM/SIGINT back (the hook stays: it does nothing once the queries stopped), after
   * a stop in progress has finished.
   */
  public synchronized void uninstall() {
    if (signals != null) {
      signals.close();
    }
  }

  /** True when the JVM is already shutting down: Spark's own hook stops the session then. */
  public boolean jvmExiting() {
    return jvmExiting.get();
  }

  private void stopInJvmShutdown() {
    jvmExiting.set(true);
    stopAll();
  }

  /**
   * Stops every query after its current batch; safe to call more than once. Synchronized so
   * that {@link #uninstall} (called before the session stops) waits for a stop in progress.
   */
  public synchronized void stopAll() {
    if (!requested.compareAndSet(false, true)) {
      return;
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    for (StreamingQuery q : queries) {
      if (!q.isActive()) {
        continue;
      }
      log.printf("[%s] stopping after the current batch%n", q.name());
      // A busy query starts its next batch right after the last one, so an idle moment may
      // never come: a new progress report also means the running batch has committed.
      StreamingQueryProgress running = q.lastProgress();
      while (q.isActive() && q.status().isTriggerActive() && q.lastProgress() == running
          && System.nanoTime() < deadline) {
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
