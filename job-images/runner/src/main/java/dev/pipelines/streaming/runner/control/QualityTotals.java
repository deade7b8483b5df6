package dev.pipelines.streaming.runner.control;

import dev.pipelines.streaming.api.model.WatermarkSpec;
import dev.pipelines.streaming.runner.plan.Expectations;
import dev.pipelines.streaming.runner.plan.GuardDrops;
import java.util.Collection;
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
 * rule (the observed metrics {@link Expectations} adds, keyed {@code <transform>.<rule>}), the
 * watermark guards' drops among them ({@link GuardDrops}, keyed
 * {@code <input>.watermark.eventTimeNotAhead}).
 */
public final class QualityTotals extends StreamingQueryListener {
  private final GuardDrops guardDrops;
  private final Map<String, Long> droppedByWatermark = new ConcurrentHashMap<>();
  private final Map<String, Map<String, Long>> violations = new ConcurrentHashMap<>();
  /** Dead-letter sinks' queries: they re-run the steps before each deadLetter rule, and would count them again. */
  private final java.util.Set<String> deadLetterQueries = ConcurrentHashMap.newKeySet();

  /** Totals that take the watermark guards' drops from {@code guardDrops} (the session's {@link GuardDrops#of}). */
  public QualityTotals(GuardDrops guardDrops) {
    this.guardDrops = guardDrops;
  }

  /**
   * The guard steps upstream of a query, counted as zero until they drop something, so
   * monitoring sees the rule before its first violation.
   */
  public void watchGuards(String query, Collection<String> guardSteps) {
    Map<String, Long> totals = totalsOf(query);
    guardSteps.forEach(step -> totals.putIfAbsent(step + "." + WatermarkSpec.NOT_AHEAD_RULE, 0L));
  }

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
    String query = p.name() == null ? "" : p.name();
    boolean deadLetterQuery = deadLetterQueries.contains(query);
    p.observedMetrics().forEach((name, row) -> {
      String step = name.startsWith(Expectations.METRICS_PREFIX) ? name.substring(Expectations.METRICS_PREFIX.length()) : null;
      if (step != null && (!deadLetterQuery || step.equals(query))) {
        Map<String, Long> totals = totalsOf(query);
        for (String field : row.schema().fieldNames()) {
          if (!field.equals(Expectations.ROWS)) {
            totals.merge(step + "." + field, violations(row, field), Long::sum);
          }
        }
      }
    });
    if (!deadLetterQuery) { // a dead-letter query re-runs the guards of the main queries: already counted there
      guardDrops.of(p).forEach((step, dropped) -> totalsOf(query).merge(step + "." + WatermarkSpec.NOT_AHEAD_RULE, dropped, Long::sum));
    }
  }

  private Map<String, Long> totalsOf(String query) {
    return violations.computeIfAbsent(query, q -> new ConcurrentHashMap<>());
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

  /** Violations per {@code <transform>.<rule>} since the driver started, sorted; null for a query without expectations or watermark guards. */
  public Map<String, Long> violations(String query) {
    Map<String, Long> v = violations.get(query);
    return v == null ? null : new TreeMap<>(v);
  }
}
