package dev.pipelines.streaming.runner.control;

import dev.pipelines.streaming.runner.plan.Expectations;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.StateOperatorProgress;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.StreamingQueryProgress;

/**
 * Rows a pipeline did not pass on, counted per query since the driver started, so monitoring
 * sees them and not only the log: rows dropped as too late by the watermark (Spark's
 * {@code numRowsDroppedByWatermark} of each stateful operator) and violations per expectation
 * rule (the observed metrics {@link Expectations} adds, keyed {@code <transform>.<rule>}).
 */
public final class QualityTotals extends StreamingQueryListener {
  private final Map<String, Long> droppedByWatermark = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Long>> violations = new ConcurrentHashMap<>();
  /** Dead-letter sinks' queries: they re-run the steps before each deadLetter rule, and would count them again. */
  private final java.util.Set<String> deadLetterQueries = ConcurrentHashMap.newKeySet();

  /**
   * From now on, counts only the dead-letter sink's own rules of these queries: the other rules
   * they observe are the main queries' (already counted there).
   */
  public void countOnlyOwnRules(java.util.Collection<String> deadLetterSinks) {
    deadLetterQueries.addAll(deadLetterSinks);
  }

  @Override
  public void onQueryProgress(QueryProgressEvent event) {
    record(event.progress());
  }

  /** Adds one batch's figures to its query's totals. */
  public void record(StreamingQueryProgress p) {
    droppedByWatermark.merge(p.name() == null ? "" : p.name(), droppedByWatermark(p), Long::sum);
    p.observedMetrics().forEach((name, row) -> {
      String step = name.startsWith(Expectations.METRICS_PREFIX) ? name.substring(Expectations.METRICS_PREFIX.length()) : null;
      if (step != null && (!deadLetterQueries.contains(String.valueOf(p.name())) || step.equals(p.name()))) {
        Map<String, Long> totals = violations.computeIfAbsent(p.name() == null ? "" : p.name(), q -> new ConcurrentHashMap<>());
        for (String field : row.schema().fieldNames()) {
          if (!field.equals(Expectations.ROWS)) {
            totals.merge(step + "." + field, violations(row, field), Long::sum);
          }
        }
      }
    });
  }

  /** Rows the batch's stateful operators dropped as later than the watermark. */
  public static long droppedByWatermark(StreamingQueryProgress p) {
    long dropped = 0;
    for (StateOperatorProgress s : p.stateOperators()) {
      dropped += s.numRowsDroppedByWatermark();
    }
    return dropped;
  }

  private static long violations(Row row, String field) {
    Object v = row.getAs(field);
    return v == null ? 0 : ((Number) v).longValue();
  }

  @Override
  public void onQueryStarted(QueryStartedEvent event) {}

  @Override
  public void onQueryTerminated(QueryTerminatedEvent event) {}

  /** Rows the query's watermark dropped since the driver started (null before its first batch). */
  public Long droppedByWatermark(String query) {
    return droppedByWatermark.get(query);
  }

  /** Violations per {@code <transform>.<rule>} since the driver started, sorted; null without expectations. */
  public Map<String, Long> violations(String query) {
    Map<String, Long> v = violations.get(query);
    return v == null ? null : new TreeMap<>(v);
  }
}
