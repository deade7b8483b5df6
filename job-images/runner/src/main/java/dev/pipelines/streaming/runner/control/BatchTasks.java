package dev.pipelines.streaming.runner.control;

import dev.pipelines.streaming.runner.spark.StreamingJobProperties;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.executor.TaskMetrics;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobEnd;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.scheduler.StageInfo;
import scala.jdk.javaapi.CollectionConverters;

/**
 * What each micro-batch of each streaming query asked of the executors, learned from the jobs
 * Spark runs for it (Spark's micro-batch execution sets the query id and batch id as local
 * properties on every job):
 * <ul>
 *   <li>the most tasks any stage had: the query's useful parallelism — Kafka partitions or the
 *       source's {@code minPartitions}, the shuffle partitions frozen in a stateful query's
 *       checkpoint — beyond which more executor cores cannot make a batch faster;
 *   <li>the executors' time in its tasks (the sum of Spark's {@code executorRunTime}): the work
 *       the executors did, without the driver's share of a batch (planning, offsets, commits),
 *       which does not shrink with more executors and would make a lightly loaded pipeline look
 *       busy.
 * </ul>
 * Listener events arrive asynchronously: a batch's task time is reported only once all its jobs
 * have ended (a task's end is posted before its job's), never half counted. Keeps the last
 * {@link #BATCHES_KEPT} batches per query.
 */
public final class BatchTasks extends SparkListener {
  static final int BATCHES_KEPT = 16;

  /**
   * One batch's figures.
   *
   * @param taskMillis the executors' time in its tasks, or null while one of its jobs runs
   */
  public record Batch(int maxStageTasks, Long taskMillis) {}

  /** A batch as its jobs start and end: tasks' time so far, jobs still running. */
  private record Tally(int maxStageTasks, long taskMillis, int runningJobs) {}

  private record Key(String query, long batch) {}

  private final Map<Key, Tally> batches = new ConcurrentHashMap<>();
  private final Map<Integer, Key> stages = new ConcurrentHashMap<>();
  private final Map<Integer, Key> jobs = new ConcurrentHashMap<>();

  @Override
  public void onJobStart(SparkListenerJobStart job) {
    Properties props = job.properties();
    String query = props == null ? null : props.getProperty(StreamingJobProperties.QUERY_ID);
    String batch = props == null ? null : props.getProperty(StreamingJobProperties.BATCH_ID);
    if (query == null || batch == null) {
      return;
    }
    Key key = new Key(query, Long.parseLong(batch));
    int tasks = 0;
    for (StageInfo stage : CollectionConverters.asJava(job.stageInfos())) {
      tasks = Math.max(tasks, stage.numTasks());
      stages.put(stage.stageId(), key);
    }
    int jobTasks = tasks;
    jobs.put(job.jobId(), key);
    batches.merge(key, new Tally(jobTasks, 0, 1),
        (old, add) -> new Tally(Math.max(old.maxStageTasks(), jobTasks), old.taskMillis(), old.runningJobs() + 1));
    forgetBefore(key);
  }

  @Override
  public void onJobEnd(SparkListenerJobEnd job) {
    Key key = jobs.remove(job.jobId());
    if (key != null) {
      batches.computeIfPresent(key, (k, t) -> new Tally(t.maxStageTasks(), t.taskMillis(), t.runningJobs() - 1));
    }
  }

  @Override
  public void onTaskEnd(SparkListenerTaskEnd task) {
    Key key = stages.get(task.stageId());
    TaskMetrics metrics = task.taskMetrics();
    if (key == null || metrics == null) {
      return;
    }
    long ran = metrics.executorRunTime();
    batches.computeIfPresent(key, (k, t) -> new Tally(t.maxStageTasks(), t.taskMillis() + ran, t.runningJobs()));
  }

  /** The figures of the query's batch {@code batchId}, or null when none of its jobs was seen. */
  public Batch batch(String queryId, long batchId) {
    Tally t = batches.get(new Key(queryId, batchId));
    return t == null ? null : new Batch(t.maxStageTasks(), t.runningJobs() > 0 ? null : t.taskMillis());
  }

  private void forgetBefore(Key newest) {
    batches.keySet().removeIf(k -> k.query().equals(newest.query()) && k.batch() <= newest.batch() - BATCHES_KEPT);
    stages.values().removeIf(k -> !batches.containsKey(k));
    jobs.values().removeIf(k -> !batches.containsKey(k));
  }
}
