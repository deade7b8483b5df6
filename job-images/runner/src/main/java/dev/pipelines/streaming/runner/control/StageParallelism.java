package dev.pipelines.streaming.runner.control;

import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.apache.spark.scheduler.StageInfo;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Per streaming query, the most tasks any stage of its latest micro-batch has: the query's
 * useful parallelism. It is what Spark actually planned — Kafka partitions or the source's
 * {@code minPartitions}, the shuffle partitions frozen in the checkpoint of a stateful query —
 * so executor cores beyond it cannot make a batch faster. Learned from the jobs' local
 * properties, which Spark's micro-batch execution sets on every job it runs.
 */
public final class StageParallelism extends SparkListener {
  /** Spark's {@code StreamExecution.QUERY_ID_KEY} and {@code MicroBatchExecution.BATCH_ID_KEY}. */
  static final String QUERY_ID = "sql.streaming.queryId";
  static final String BATCH_ID = "streaming.sql.batchId";

  private record Batch(String batchId, int maxTasks) {}

  private final Map<String, Batch> latest = new ConcurrentHashMap<>();

  @Override
  public void onJobStart(SparkListenerJobStart job) {
    Properties props = job.properties();
    String query = props == null ? null : props.getProperty(QUERY_ID);
    if (query == null) {
      return;
    }
    int tasks = 0;
    for (StageInfo stage : CollectionConverters.asJava(job.stageInfos())) {
      tasks = Math.max(tasks, stage.numTasks());
    }
    String batch = String.valueOf(props.getProperty(BATCH_ID));
    int jobTasks = tasks;
    latest.merge(query, new Batch(batch, jobTasks),
        (old, now) -> old.batchId().equals(now.batchId()) ? new Batch(batch, Math.max(old.maxTasks(), jobTasks)) : now);
  }

  /** The most tasks in a stage of the query's latest batch, or null before its first job. */
  public Integer maxStageTasks(String queryId) {
    Batch b = latest.get(queryId);
    return b == null ? null : b.maxTasks();
  }
}
