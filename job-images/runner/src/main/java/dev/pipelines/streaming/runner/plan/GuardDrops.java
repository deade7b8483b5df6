package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.runner.spark.StreamingJobProperties;
import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.TaskContext;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQueryProgress;
import org.apache.spark.util.AccumulatorV2;

/**
 * Rows the watermark guards ({@link WatermarkGuard}) dropped, counted inside the tasks and
 * kept on the driver per query, micro-batch and guard step. One accumulator per SparkContext;
 * the tasks find their query and batch in the local properties Spark's stream execution sets
 * for every job ({@code sql.streaming.queryId}, {@code streaming.sql.batchId}). A batch that a
 * restart in the same JVM runs again counts again.
 *
 * <p>Only drops are counted (the guard's filter calls {@link #countOne} for a dropped row
 * only), so the common case costs nothing per row, and unlike {@code Dataset.observe} nothing
 * here stops whole-stage code generation. Like every accumulator updated in a transformation,
 * a task run twice (a retried stage) counts twice: these are monitoring figures, not data.
 * The driver keeps the last {@value #BATCHES_KEPT} batches of each query, as many progress
 * reports as Spark keeps ({@code spark.sql.streaming.numRecentProgressUpdates}).
 */
public final class GuardDrops extends AccumulatorV2<GuardDrops.Key, Map<GuardDrops.Key, Long>> {
  static final int BATCHES_KEPT = 100;

  private static GuardDrops registered;
  private static SparkContext registeredWith;

  /** Where one drop happened: a query's micro-batch and the guard's step ({@code <input>.watermark}). */
  public record Key(String queryId, long batchId, String step) implements Serializable {}

  private final Map<Key, Long> counts = new ConcurrentHashMap<>();

  /** This SparkContext's accumulator, registered with it on first use. */
  public static synchronized GuardDrops of(SparkSession spark) {
    SparkContext sc = spark.sparkContext();
    if (registered == null || registeredWith != sc) {
      GuardDrops drops = new GuardDrops();
      sc.register(drops);
      registered = drops;
      registeredWith = sc;
    }
    return registered;
  }

  /**
   * In a task: one row dropped by {@code step}'s guard in the running micro-batch. Outside a
   * streaming job (no query or batch in the task's properties) nothing is counted.
   */
  void countOne(String step) {
    TaskContext task = TaskContext.get();
    String query = task == null ? null : task.getLocalProperty(StreamingJobProperties.QUERY_ID);
    String batch = task == null ? null : task.getLocalProperty(StreamingJobProperties.BATCH_ID);
    if (query != null && batch != null) {
      add(new Key(query, Long.parseLong(batch), step));
    }
  }

  /** On the driver: rows each guard step dropped in this progress report's batch (only steps that dropped some). */
  public Map<String, Long> of(StreamingQueryProgress p) {
    String query = p.id().toString();
    Map<String, Long> steps = new HashMap<>();
    counts.forEach((k, n) -> {
      if (k.batchId() == p.batchId() && k.queryId().equals(query)) {
        steps.merge(k.step(), n, Long::sum);
      }
    });
    return steps;
  }

  @Override
  public boolean isZero() {
    return counts.isEmpty();
  }

  @Override
  public GuardDrops copy() {
    GuardDrops copy = new GuardDrops();
    copy.counts.putAll(counts);
    return copy;
  }

  @Override
  public void reset() {
    counts.clear();
  }

  @Override
  public void add(Key key) {
    counts.merge(key, 1L, Long::sum);
  }

  /** Adds a task's counts, then forgets batches of the same queries older than the last {@value #BATCHES_KEPT}. */
  @Override
  public void merge(AccumulatorV2<Key, Map<Key, Long>> other) {
    Map<String, Long> newestBatch = new HashMap<>();
    other.value().forEach((k, n) -> {
      counts.merge(k, n, Long::sum);
      newestBatch.merge(k.queryId(), k.batchId(), Math::max);
    });
    counts.keySet().removeIf(k -> newestBatch.containsKey(k.queryId()) && k.batchId() <= newestBatch.get(k.queryId()) - BATCHES_KEPT);
  }

  @Override
  public Map<Key, Long> value() {
    return counts;
  }
}
