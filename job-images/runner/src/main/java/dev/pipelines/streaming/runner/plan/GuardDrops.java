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
 * kept on the driver per query run, micro-batch, guard step and task (stage and partition).
 * One accumulator per SparkContext; the tasks find their run and batch in the local properties
 * Spark's stream execution sets for every job (the run id as job group,
 * {@code streaming.sql.batchId}).
 *
 * <p>Only drops are counted (the guard calls {@link #countOne} for a dropped row only), so the
 * common case costs nothing per row, and unlike {@code Dataset.observe} nothing here stops
 * whole-stage code generation. A batch's count per step is the sum over one stage's
 * partitions, the largest over stages: a retried task replaces its earlier attempt, and a
 * guarded input that Spark reads in two stages (a self-join, a writer that samples the batch
 * before writing it) is not counted twice. Read twice within one stage (a union of two
 * transforms of one input), its drops count twice. These are monitoring figures, never data.
 * The driver keeps, per run, entries of the last {@value #BATCHES_KEPT} batches that dropped
 * rows (Spark keeps as many progress reports, {@code spark.sql.streaming.numRecentProgressUpdates}).
 */
public final class GuardDrops extends AccumulatorV2<GuardDrops.Key, Map<GuardDrops.Key, Long>> {
  static final int BATCHES_KEPT = 100;

  private static GuardDrops registered;
  private static SparkContext registeredWith;

  /** The task that dropped rows: a query run's micro-batch, the guard's step ({@code <input>.watermark}), stage and partition. */
  public record Key(String runId, long batchId, String step, int stageId, int partitionId) implements Serializable {}

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
   * streaming job (no run or batch in the task's properties, or no task) the row is still
   * dropped, only not counted.
   */
  void countOne(String step) {
    TaskContext task = TaskContext.get();
    String run = task == null ? null : task.getLocalProperty(StreamingJobProperties.RUN_ID);
    String batch = task == null ? null : task.getLocalProperty(StreamingJobProperties.BATCH_ID);
    if (run != null && batch != null) {
      add(new Key(run, Long.parseLong(batch), step, task.stageId(), task.partitionId()));
    }
  }

  /** On the driver: rows each guard step dropped in this progress report's batch (only steps that dropped some). */
  public Map<String, Long> of(StreamingQueryProgress p) {
    return of(p.runId().toString(), p.batchId());
  }

  /** Rows each guard step dropped in batch {@code batchId} of query run {@code runId}: per stage summed over partitions, the largest stage. */
  Map<String, Long> of(String runId, long batchId) {
    Map<String, Map<Integer, Long>> perStage = new HashMap<>();
    counts.forEach((k, n) -> {
      if (k.batchId() == batchId && k.runId().equals(runId)) {
        perStage.computeIfAbsent(k.step(), s -> new HashMap<>()).merge(k.stageId(), n, Long::sum);
      }
    });
    Map<String, Long> steps = new HashMap<>();
    perStage.forEach((step, stages) -> steps.put(step, stages.values().stream().mapToLong(Long::longValue).max().orElse(0)));
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

  /** What each task gets: an empty copy (not a copy of the driver's map, emptied). */
  @Override
  public GuardDrops copyAndReset() {
    return new GuardDrops();
  }

  @Override
  public void reset() {
    counts.clear();
  }

  @Override
  public void add(Key key) {
    counts.merge(key, 1L, Long::sum);
  }

  /**
   * Takes a finished task's counts (a later attempt of the same task replaces an earlier one),
   * then forgets batches of the same runs older than the last {@value #BATCHES_KEPT}.
   */
  @Override
  public void merge(AccumulatorV2<Key, Map<Key, Long>> other) {
    if (other.isZero()) {
      return; // most tasks drop nothing
    }
    Map<String, Long> newestBatch = new HashMap<>();
    other.value().forEach((k, n) -> {
      counts.merge(k, n, Math::max);
      newestBatch.merge(k.runId(), k.batchId(), Math::max);
    });
    counts.keySet().removeIf(k -> newestBatch.containsKey(k.runId()) && k.batchId() <= newestBatch.get(k.runId()) - BATCHES_KEPT);
  }

  @Override
  public Map<Key, Long> value() {
    return counts;
  }
}
