package dev.pipelines.streaming.runner.fence;

import java.io.InterruptedIOException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closed for a query during its graceful stop: it plans no new micro-batch. Spark plans a batch
 * by writing its entry in the offsets log ({@code <checkpoint>/offsets/<batchId>}, through
 * {@link FencedCheckpointFileManager}) on the query's own thread; while the gate is closed for
 * that query the write waits, and ends when {@code StreamingQuery.stop()} interrupts the thread,
 * which Spark takes as a clean stop. So a stop never cuts a batch that started in the instant
 * between "the running batch has finished" and the stop: offsets and commits end at one batch.
 *
 * <p>Only for queries that plan ahead: a real-time batch writes its offsets when it ends (its end
 * offsets are what it read), and must not be held there. Queries are told apart by their thread:
 * Spark names it {@code stream execution thread for <name> [id = <id>, runId = <runId>]}.
 */
public final class BatchGate {
  /** How Spark's StreamExecution names a query's thread. */
  static final String QUERY_THREAD = "stream execution thread for ";
  private static final Set<UUID> closed = ConcurrentHashMap.newKeySet();
  /** Names of the query threads waiting at the gate. */
  private static final Set<String> waiting = ConcurrentHashMap.newKeySet();

  private BatchGate() {}

  /** From now on, the query {@code id} waits before planning a batch, until it is stopped. */
  public static void close(UUID id) {
    closed.add(id);
  }

  /** The query {@code id} may plan batches again (its stop is over). */
  public static void open(UUID id) {
    closed.remove(id);
  }

  /** Whether the query {@code id} waits at the gate: it plans nothing more and can be stopped now. */
  public static boolean holds(UUID id) {
    return waiting.stream().anyMatch(thread -> thread.contains(marker(id)));
  }

  /** Called before a batch's offsets are written: waits while the gate is closed for this thread's query. */
  static void awaitOpen(String batch) throws InterruptedIOException {
    String thread = Thread.currentThread().getName();
    if (!thread.startsWith(QUERY_THREAD) || closedFor(thread) == null) {
      return; // another thread (async progress tracking's log writer) is never held: holds() could not see it
    }
    waiting.add(thread);
    try {
      while (closedFor(thread) != null) {
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("not planning batch " + batch + ": the query is stopping");
    } finally {
      waiting.remove(thread);
    }
  }

  private static UUID closedFor(String thread) {
    return closed.stream().filter(id -> thread.contains(marker(id))).findFirst().orElse(null);
  }

  private static String marker(UUID id) {
    return "[id = " + id + ",";
  }
}
