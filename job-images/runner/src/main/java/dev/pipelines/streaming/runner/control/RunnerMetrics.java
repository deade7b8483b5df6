package dev.pipelines.streaming.runner.control;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

/** Per-query gauges in Prometheus text, refreshed from the progress report on each scrape. */
final class RunnerMetrics {
  private final PrometheusMeterRegistry registry;
  private final Map<String, AtomicReference<QueryProgress>> queries = new ConcurrentHashMap<>();
  private final AtomicReference<ProgressReport> last = new AtomicReference<>();
  private final Map<String, Boolean> violations = new ConcurrentHashMap<>();

  RunnerMetrics(PrometheusMeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("spo_executors", last, r -> r.get() == null ? Double.NaN : r.get().executors())
        .description("Executors registered with the driver").register(registry);
    Gauge.builder("spo_executors_pending", last, r -> r.get() == null ? Double.NaN : r.get().pendingExecutors())
        .description("Executors requested but not registered yet").register(registry);
    Gauge.builder("spo_executors_decommissioning", last, r -> r.get() == null ? Double.NaN : r.get().decommissioningExecutors())
        .description("Executors leaving after a scale-down").register(registry);
  }

  synchronized String scrape(ProgressReport report) {
    last.set(report);
    for (QueryProgress q : report.queries()) {
      queries.computeIfAbsent(q.name(), this::register).set(q);
      if (q.expectationViolations() != null) {
        q.expectationViolations().keySet().forEach(rule -> violations.computeIfAbsent(q.name() + "\u0000" + rule,
            k -> registerViolations(q.name(), rule)));
      }
    }
    return registry.scrape();
  }

  /** spo_expectation_violations_total{expectation="<transform>.<rule>"} (a counter), from the query's last report. */
  private boolean registerViolations(String query, String rule) {
    AtomicReference<QueryProgress> ref = queries.get(query);
    FunctionCounter.builder("spo_expectation_violations", ref, r -> {
      QueryProgress q = r.get();
      Long v = q == null || q.expectationViolations() == null ? null : q.expectationViolations().get(rule);
      return v == null ? 0 : v;
    }).description("Rows that violated an expectation rule since the driver started")
        .tags(Tags.of("pipeline", String.valueOf(last.get().pipeline()), "query", query, "expectation", rule))
        .register(registry);
    return true;
  }

  private AtomicReference<QueryProgress> register(String query) {
    AtomicReference<QueryProgress> ref = new AtomicReference<>();
    Tags tags = Tags.of("pipeline", String.valueOf(last.get().pipeline()), "query", query);
    gauge("spo_input_rows_per_second", "Rows read per second in the last batch", ref, tags, QueryProgress::inputRowsPerSecond);
    gauge("spo_processed_rows_per_second", "Rows processed per second in the last batch", ref, tags, QueryProgress::processedRowsPerSecond);
    gauge("spo_batch_duration_milliseconds", "Duration of the last batch", ref, tags, QueryProgress::busyMillis);
    gauge("spo_kafka_offsets_behind_latest", "Largest per-partition Kafka lag", ref, tags, QueryProgress::offsetsBehindLatest);
    gauge("spo_kafka_backlog_records", "Kafka records not yet read, summed over partitions", ref, tags, QueryProgress::backlog);
    // a counter: Prometheus names it spo_rows_dropped_by_watermark_total
    FunctionCounter.builder("spo_rows_dropped_by_watermark", ref, r -> {
      Long v = r.get() == null ? null : r.get().rowsDroppedByWatermark();
      return v == null ? 0 : v;
    }).description("Rows the query's stateful steps dropped as later than the watermark since the driver started")
        .tags(tags).register(registry);
    gauge("spo_state_rows", "Rows in the query's state store", ref, tags, QueryProgress::stateRows);
    gauge("spo_batch_id", "Last completed batch", ref, tags, QueryProgress::batchId);
    return ref;
  }

  private void gauge(String name, String help, AtomicReference<QueryProgress> ref, Tags tags,
      Function<QueryProgress, Number> value) {
    Gauge.builder(name, ref, r -> {
      Number n = r.get() == null ? null : value.apply(r.get());
      return n == null ? Double.NaN : n.doubleValue();
    }).description(help).tags(tags).register(registry);
  }
}
