package dev.pipelines.streaming.runner.run;

import dev.pipelines.streaming.runner.fence.BatchGate;
import java.io.PrintStream;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.hadoop.util.ShutdownHookManager;
import org.apache.spark.sql.execution.streaming.RealTimeTrigger;
import org.apache.spark.sql.execution.streaming.runtime.StreamingQueryWrapper;
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
 *
 * <p>Installed before Spark starts ({@code spo run} does, with no queries yet): a stop during
 * start-up is recorded ({@link #requested}); the runner then starts no query and exits 0, or,
 * if the queries were being started, {@link #started} stops them at once after their batch.
 * Left to the JVM, a signal in those seconds exited 143/130, sometimes with Spark's "Shutdown
 * hooks cannot be modified during shutdown" while it was still registering its own hook.
 */
public final class GracefulShutdown {
  static final int PRIORITY = 100;
  private final List<StreamingQuery> queries = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final Duration timeout;
  private final PrintStream log;
  private final AtomicBoolean requested = new AtomicBoolean();
  private final AtomicBoolean jvmExiting = new AtomicBoolean();
  private StopSignals signals;

  /** @param queries the queries to stop (more may follow through {@link #started}) */
  public GracefulShutdown(List<StreamingQuery> queries, Duration timeout, PrintStream log) {
    this.queries.addAll(queries);
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

  /** Whether a stop was asked (a signal, or {@link #stopAll}); from then on no query should start. */
  public boolean requested() {
    return requested.get();
  }

  /**
   * Adds queries that started after {@link #install}; if a stop was asked meanwhile (during
   * start-up), stops them now, after their current batch.
   */
  public synchronized void started(List<StreamingQuery> more) {
    queries.addAll(more);
    if (requested.get()) {
      stopQueries();
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
    if (requested.compareAndSet(false, true)) {
      stopQueries();
    }
  }

  /**
   * Lets each query's running batch finish, then stops it. Its {@link BatchGate} is closed
   * meanwhile, so it plans no other batch in the instant between the two: a query whose batch is
   * done waits at the gate, which is the moment to stop it.
   */
  private void stopQueries() {
    long deadline = System.nanoTime() + timeout.toNanos();
    List<StreamingQuery> gated = queries.stream().filter(GracefulShutdown::plansAhead).toList();
    gated.forEach(q -> BatchGate.close(q.id()));
    try {
      for (StreamingQuery q : queries) {
        if (!q.isActive()) {
          continue;
        }
        log.printf("[%s] stopping after the current batch%n", q.name());
        // A busy query starts its next batch right after the last one, so an idle moment may
        // never come: a new progress report also means the running batch has committed.
        StreamingQueryProgress running = q.lastProgress();
        while (q.isActive() && q.status().isTriggerActive() && q.lastProgress() == running
            && !BatchGate.holds(q.id()) && System.nanoTime() < deadline) {
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
    } finally {
      gated.forEach(q -> BatchGate.open(q.id()));
    }
  }

  /**
   * Whether the query writes a batch's offsets before running it (micro-batch triggers): a
   * real-time batch writes them when it ends, so its gate would hold the batch it must finish.
   */
  static boolean plansAhead(StreamingQuery q) {
    return !(q instanceof StreamingQueryWrapper w && w.streamingQuery().trigger() instanceof RealTimeTrigger);
  }

  private static void sleep() {
    try {
      Thread.sleep(50);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
