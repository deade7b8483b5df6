package dev.pipelines.streaming.runner.fence;

import java.io.InterruptedIOException;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Closed during a graceful stop: no query plans a new micro-batch. Spark plans a batch by
 * writing its entry in the offsets log ({@code <checkpoint>/offsets/<batchId>}, through
 * {@link FencedCheckpointFileManager}); while the gate is closed that write waits, and ends
 * when {@code StreamingQuery.stop()} interrupts the query's thread, which Spark takes as a
 * clean stop. So a stop never cuts a batch that started in the instant between "the running
 * batch has finished" and the stop itself: offsets and commits logs end at the same batch.
 */
public final class BatchGate {
  private static volatile boolean closed;
  /** Names of the query threads waiting at the gate (Spark names them after the query's id). */
  private static final Set<String> waiting = ConcurrentHashMap.newKeySet();

  private BatchGate() {}

  /** From now on, planning a batch waits until its query is stopped. */
  public static void close() {
    closed = true;
  }

  /** Batches may be planned again (the stop is over; other queries of this JVM go on). */
  public static void open() {
    closed = false;
  }

  /** Whether the query {@code id} waits at the gate: it plans nothing more and can be stopped now. */
  public static boolean holds(UUID id) {
    String marker = "[id = " + id + ",";
    return waiting.stream().anyMatch(thread -> thread.contains(marker));
  }

  /** Called before a batch's offsets are written: waits while the gate is closed. */
  static void awaitOpen(String batch) throws InterruptedIOException {
    if (!closed) {
      return;
    }
    String thread = Thread.currentThread().getName();
    waiting.add(thread);
    try {
      while (closed) {
        Thread.sleep(20);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new InterruptedIOException("not planning batch " + batch + ": the query is stopping");
    } finally {
      waiting.remove(thread);
    }
  }
}
