package dev.pipelines.streaming.operator.metrics;

import dev.pipelines.streaming.api.status.Phase;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.operator.dashboard.Fleet;
import io.javaoperatorsdk.operator.api.monitoring.Metrics;
import io.javaoperatorsdk.operator.monitoring.micrometer.MicrometerMetrics;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.util.List;
import java.util.function.ToDoubleFunction;

/**
 * The operator's {@code /metrics}: JOSDK's own (reconciliations started, succeeded, failed,
 * their duration, events received), the JVM's, and what users ask of a fleet: pipelines per
 * phase, restarts, executors. Fleet numbers are counted from the operator's informer cache at
 * scrape time, so they cost no API call and never go stale when a pipeline is deleted.
 */
public final class OperatorMetrics {
  public static final List<String> PHASES = java.util.Arrays.stream(Phase.values()).map(Phase::value).toList();

  private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Fleet fleet;

  public OperatorMetrics(Fleet fleet) {
    this.fleet = fleet;
    for (String phase : PHASES) {
      fleetGauge("spo_pipelines", "Pipelines in each phase", phase,
          s -> s != null && phase.equals(s.phase()) ? 1 : 0);
    }
    fleetGauge("spo_pipeline_restarts", "Driver restarts counted in the pipelines' status (since the last reset)", null,
        s -> s == null || s.restarts() == null ? 0 : s.restarts().countOrZero());
    fleetGauge("spo_pipeline_executors", "Executors the running drivers report", null,
        s -> s == null || s.progress() == null || s.progress().executors() == null ? 0 : s.progress().executors());
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
  }

  /** For JOSDK's configuration: reconcile metrics, without per-resource series (cardinality). */
  public Metrics josdk() {
    return MicrometerMetrics.withoutPerResourceMetrics(registry);
  }

  /** Prometheus text format. */
  public String scrape() {
    return registry.scrape();
  }

  private void fleetGauge(String name, String help, String phase, ToDoubleFunction<PipelineStatus> perPipeline) {
    Gauge.Builder<OperatorMetrics> b = Gauge.builder(name, this, m -> m.sum(perPipeline)).description(help);
    if (phase != null) {
      b = b.tag("phase", phase);
    }
    b.register(registry);
  }

  private double sum(ToDoubleFunction<PipelineStatus> perPipeline) {
    return fleet.pipelines().stream().mapToDouble(p -> perPipeline.applyAsDouble(p.getStatus())).sum();
  }
}
