package dev.pipelines.streaming.runner.control;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.SourceProgress;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/** Reads the runner's queries' last progress into {@link ProgressReport}s. */
public final class ProgressReader {
  private final SparkSession spark;
  private final String pipeline;
  private final ExecutorScaler scaler;
  private final BatchTasks tasks;
  private final QualityTotals quality;

  /** Registers {@code tasks} with the session's SparkContext; {@code quality} must be listening already. */
  public ProgressReader(SparkSession spark, String pipeline, ExecutorScaler scaler, BatchTasks tasks, QualityTotals quality) {
    this.spark = spark;
    this.pipeline = pipeline;
    this.scaler = scaler;
    this.tasks = tasks;
    this.quality = quality;
    spark.sparkContext().addSparkListener(tasks);
  }

  public ProgressReport report() {
    List<QueryProgress> queries = new ArrayList<>();
    for (StreamingQuery q : spark.streams().active()) {
      StreamingQueryProgress last = q.lastProgress();
      QueryProgress p = of(q, last, last == null ? null : tasks.batch(q.id().toString(), last.batchId()));
      queries.add(last == null ? p : withQuality(p, quality.droppedByWatermark(q.name()), quality.violations(q.name())));
    }
    ExecutorScaler.Executors e = scaler.executors();
    return new ProgressReport(pipeline, e.registered(), scaler.supported() ? e.requested() : null, e.pending(),
        e.decommissioning(), queries);
  }

  private static QueryProgress withQuality(QueryProgress p, Long dropped, java.util.Map<String, Long> violations) {
    return new QueryProgress(p.name(), p.id(), p.active(), p.batchId(), p.timestamp(), p.numInputRows(),
        p.inputRowsPerSecond(), p.processedRowsPerSecond(), p.busyMillis(), p.taskMillis(), p.offsetsBehindLatest(),
        p.backlog(), p.watermark(), p.stateRows(), dropped, violations, p.kafkaPartitions(), p.maxStageTasks());
  }

  /** One batch's progress of the query (its last, for {@code /progress}). */
  public static QueryProgress of(StreamingQuery q, StreamingQueryProgress p) {
    return of(q, p, null);
  }

  /** One batch's progress of the query, with what its tasks did (null when unknown). */
  public static QueryProgress of(StreamingQuery q, StreamingQueryProgress p, BatchTasks.Batch batch) {
    Integer maxStageTasks = batch == null ? null : batch.maxStageTasks();
    Long taskMillis = batch == null ? null : batch.taskMillis();
    if (p == null) {
      return new QueryProgress(q.name(), q.id().toString(), q.isActive(), null, null, null, null, null, null, null, null,
          null, null, null, null, null, null, null);
    }
    Long behind = null;
    Long backlog = null;
    Integer partitions = null;
    for (SourceProgress s : p.sources()) {
      // Only Kafka sources report maxOffsetsBehindLatest; their offsets are
      // {"topic": {"0": 42, "1": 17}}, one entry per partition.
      String max = s.metrics() == null ? null : s.metrics().get("maxOffsetsBehindLatest");
      if (max != null) {
        behind = (behind == null ? 0 : behind) + (long) Double.parseDouble(max);
        KafkaBacklog kafka = KafkaBacklog.of(s.endOffset(), s.latestOffset());
        int n = kafka.partitions();
        partitions = (partitions == null ? 0 : partitions) + n;
        Long waiting = kafka.backlog();
        if (waiting == null) { // no latest offsets in the progress: the mean lag times the partitions
          String avg = s.metrics().get("avgOffsetsBehindLatest");
          waiting = avg == null ? 0 : Math.round(Double.parseDouble(avg) * n);
        }
        backlog = (backlog == null ? 0 : backlog) + waiting;
      }
    }
    long stateRows = 0;
    for (StateOperatorProgress s : p.stateOperators()) {
      stateRows += s.numRowsTotal();
    }
    Map<String, Long> durations = p.durationMs();
    Map<String, String> eventTime = p.eventTime();
    return new QueryProgress(q.name(), q.id().toString(), q.isActive(), p.batchId(), p.timestamp(), p.numInputRows(),
        finite(p.inputRowsPerSecond()), finite(p.processedRowsPerSecond()), durations.get("triggerExecution"), taskMillis,
        behind, backlog, eventTime == null ? null : eventTime.get("watermark"), stateRows, null, null, partitions,
        maxStageTasks);
  }

  private static Double finite(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? null : d;
  }
}
