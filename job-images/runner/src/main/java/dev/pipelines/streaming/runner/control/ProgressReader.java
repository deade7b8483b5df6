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

  public ProgressReader(SparkSession spark, String pipeline, ExecutorScaler scaler) {
    this.spark = spark;
    this.pipeline = pipeline;
    this.scaler = scaler;
  }

  public ProgressReport report() {
    List<QueryProgress> queries = new ArrayList<>();
    for (StreamingQuery q : spark.streams().active()) {
      queries.add(of(q));
    }
    return new ProgressReport(pipeline, scaler.currentExecutors(), scaler.target(), queries);
  }

  static QueryProgress of(StreamingQuery q) {
    StreamingQueryProgress p = q.lastProgress();
    if (p == null) {
      return new QueryProgress(q.name(), q.id().toString(), q.isActive(), null, null, null, null, null, null, null, null, null);
    }
    Long behind = null;
    for (SourceProgress s : p.sources()) {
      String max = s.metrics() == null ? null : s.metrics().get("maxOffsetsBehindLatest");
      if (max != null) {
        behind = (behind == null ? 0 : behind) + (long) Double.parseDouble(max);
      }
    }
    long stateRows = 0;
    for (StateOperatorProgress s : p.stateOperators()) {
      stateRows += s.numRowsTotal();
    }
    Map<String, Long> durations = p.durationMs();
    Map<String, String> eventTime = p.eventTime();
    return new QueryProgress(q.name(), q.id().toString(), q.isActive(), p.batchId(), p.timestamp(), p.numInputRows(),
        finite(p.inputRowsPerSecond()), finite(p.processedRowsPerSecond()), durations.get("triggerExecution"),
        behind, eventTime == null ? null : eventTime.get("watermark"), stateRows);
  }

  private static Double finite(double d) {
    return Double.isNaN(d) || Double.isInfinite(d) ? null : d;
  }
}
