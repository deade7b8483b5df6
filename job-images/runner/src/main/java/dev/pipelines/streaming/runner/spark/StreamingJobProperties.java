package dev.pipelines.streaming.runner.spark;

/**
 * Local properties Spark's stream execution sets on every job of a streaming query, so code
 * running in a {@code foreachBatch} writer (driver) or a task ({@code TaskContext}) knows which
 * query and micro-batch it serves.
 */
public final class StreamingJobProperties {
  /** The query's id, stable across restarts from its checkpoint (Spark's {@code StreamExecution.QUERY_ID_KEY}). */
  public static final String QUERY_ID = "sql.streaming.queryId";
  /**
   * The query run's id (a new one at each start): Spark's stream execution makes it the job
   * group of every job it runs ({@code SparkContext.SPARK_JOB_GROUP_ID}).
   */
  public static final String RUN_ID = "spark.jobGroup.id";
  /** The micro-batch id (Spark's {@code MicroBatchExecution.BATCH_ID_KEY}). */
  public static final String BATCH_ID = "streaming.sql.batchId";

  private StreamingJobProperties() {}
}
