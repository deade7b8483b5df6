package dev.pipelines.streaming.operator.autoscale;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.status.AutoscalerStatus;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.Phase;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.status.ProgressStatus;
import dev.pipelines.streaming.api.validation.Durations;
import dev.pipelines.streaming.operator.dashboard.ProgressHistory;
import dev.pipelines.streaming.operator.reconcile.Conditions;
import dev.pipelines.streaming.operator.reconcile.PipelineEvent;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * After the decision, for a running driver: reads its progress into status (rates, lag,
 * executors, last batch), flags {@code Degraded} when batches stop completing, and with
 * spec.autoscaling asks the driver for the executor count the {@link Autoscaler} wants.
 * Progress history lives in memory per pipeline; an operator restart starts it over.
 */
public final class ProgressStep {
  /** A pipeline is Degraded when no batch completed in this many trigger intervals (at least 5m). */
  static final int STALL_INTERVALS = 3;
  static final Duration MIN_STALL = Duration.ofMinutes(5);
  static final int MAX_SAMPLES = 200;

  private final DriverControlClient driver;
  private final ProgressHistory dashboardHistory;
  private final Autoscaler autoscaler = new Autoscaler();
  private final Map<String, History> histories = new ConcurrentHashMap<>();

  public ProgressStep(DriverControlClient driver, ProgressHistory dashboardHistory) {
    this.driver = driver;
    this.dashboardHistory = dashboardHistory;
  }

  /** The history of one pipeline (one incarnation: its UID): samples seen, autoscaler state. */
  private static final class History {
    final String uid;
    final List<ProgressSample> samples = new ArrayList<>();
    final Map<String, Long> lastBatch = new ConcurrentHashMap<>();
    ScalingState state = ScalingState.INITIAL;

    History(String uid) {
      this.uid = uid;
    }
  }

  public record Outcome(PipelineStatus status, List<PipelineEvent> events) {}

  /** Drops a deleted pipeline's samples, autoscaler state and dashboard history. */
  public void forget(String ns, String name) {
    histories.remove(ns + "/" + name);
    dashboardHistory.forget(ns, name);
  }

  public Outcome apply(String uid, String ns, String name, PipelineSpec spec, PipelineStatus status, Instant now) {
    if (!Phase.RUNNING.is(status.phase())) {
      return new Outcome(status, List.of());
    }
    DriverProgress report;
    try {
      report = driver.progress(ns, name, uid);
    } catch (IOException | RuntimeException e) {
      return unavailable(spec, status, e, now);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(status, List.of());
    }
    // by name, so a deleted pipeline is forgotten by name; a new one of the same name starts over
    History h = histories.compute(ns + "/" + name, (k, old) -> old != null && old.uid.equals(uid) ? old : new History(uid));
    record(h, report);
    ProgressStatus progress = progress(report, status.progress());
    dashboardHistory.record(ns, name, progress, now);
    List<Condition> conditions = stall(spec, status, progress, now);
    conditions = Conditions.remove(conditions, PROGRESS_UNAVAILABLE);
    conditions = firstBatch(conditions, status, progress, now);
    List<PipelineEvent> events = new ArrayList<>();
    AutoscalerStatus scaling = status.autoscaler();
    if (spec.autoscaling() != null) {
      ScalingPolicy policy = ScalingPolicy.from(spec.autoscaling(), spec.executorOrDefault().coresOrDefault());
      int current = report.targetExecutors() != null ? report.targetExecutors() : spec.executorOrDefault().instancesOrDefault();
      ScalingDecision d = autoscaler.decide(policy, h.samples, current, h.state, now);
      h.state = d.state();
      String lastScale = scaling == null ? null : scaling.lastScaleTime();
      if (d.scale()) {
        try {
          driver.scale(ns, name, uid, d.desired());
          lastScale = now.toString();
          events.add(new PipelineEvent(PipelineEvent.Type.Normal, "Scaled",
              "executors " + d.current() + " -> " + d.desired() + ": " + d.reason()));
        } catch (IOException | RuntimeException e) {
          events.add(new PipelineEvent(PipelineEvent.Type.Warning, "ScaleFailed",
              "could not scale to " + d.desired() + ": " + e.getMessage()));
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      scaling = new AutoscalerStatus(d.desired(), report.executors(), d.reason(), lastScale);
    }
    return new Outcome(status.withProgress(progress, scaling, conditions), events);
  }

  /** The Ready reason of a running driver before its first committed batch (set by the Decider). */
  public static final String WAITING_FOR_FIRST_BATCH = "WaitingForFirstBatch";

  /** Condition type set while the driver's /progress cannot be read. */
  public static final String PROGRESS_UNAVAILABLE = "ProgressUnavailable";

  /**
   * /progress could not be read (the endpoint is starting, or the process is frozen or gone):
   * say so, drop the rates (stale numbers must not look current), and keep judging stalls from
   * the last batch seen, so a frozen driver still becomes Degraded=NoProgress.
   */
  private static Outcome unavailable(PipelineSpec spec, PipelineStatus status, Exception e, Instant now) {
    ProgressStatus old = status.progress();
    ProgressStatus stale = new ProgressStatus(null, null, null, null, old == null ? null : old.lastBatchAt());
    List<Condition> conditions = stall(spec, status, stale, now);
    String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
    conditions = Conditions.set(conditions, PROGRESS_UNAVAILABLE, true, "EndpointUnreachable",
        "the driver's /progress cannot be read (" + why + "); rates are not shown and autoscaling waits",
        now, status.observedGeneration() == null ? 0 : status.observedGeneration());
    return new Outcome(status.withProgress(stale, status.autoscaler(), conditions), List.of());
  }

  /**
   * Ready=True once a batch has committed since this driver started running, when that was the
   * only thing missing (reason WaitingForFirstBatch): a refused change keeps Ready=False.
   */
  private static List<Condition> firstBatch(List<Condition> conditions, PipelineStatus status, ProgressStatus progress,
      Instant now) {
    Condition ready = Conditions.find(conditions, Condition.READY);
    if (ready == null || !WAITING_FOR_FIRST_BATCH.equals(ready.reason())) {
      return conditions;
    }
    String since = status.driver() == null ? null : status.driver().runningSince();
    if (since == null || progress.lastBatchAt() == null || Instant.parse(progress.lastBatchAt()).isBefore(Instant.parse(since))) {
      return conditions;
    }
    return Conditions.set(conditions, Condition.READY, true, "Running", status.message(), now,
        status.observedGeneration() == null ? 0 : status.observedGeneration());
  }

  /** Adds each query's new batches; several sinks add up (each reads its own copy of the input). */
  private static void record(History h, DriverProgress report) {
    double rate = 0;
    long rows = 0;
    long busy = 0;
    long lag = 0;
    Integer partitions = null;
    Instant at = null;
    for (DriverProgress.Query q : report.queries()) {
      if (q.batchId() == null || q.timestamp() == null || q.batchId().equals(h.lastBatch.get(q.name()))) {
        continue;
      }
      h.lastBatch.put(q.name(), q.batchId());
      rate += q.inputRowsPerSecond() == null ? 0 : q.inputRowsPerSecond();
      rows += q.numInputRows() == null ? 0 : q.numInputRows();
      busy += q.busyMillis() == null ? 0 : q.busyMillis();
      lag = Math.max(lag, q.offsetsBehindLatest() == null ? 0 : q.offsetsBehindLatest());
      if (q.kafkaPartitions() != null) {
        partitions = (partitions == null ? 0 : partitions) + q.kafkaPartitions();
      }
      Instant t = Instant.parse(q.timestamp());
      at = at == null || t.isAfter(at) ? t : at;
    }
    if (at != null) {
      h.samples.add(new ProgressSample(at, rate, rows, busy, lag, partitions));
      if (h.samples.size() > MAX_SAMPLES) {
        h.samples.remove(0);
      }
    }
  }

  private static ProgressStatus progress(DriverProgress report, ProgressStatus previous) {
    double in = 0;
    double processed = 0;
    Long lag = null;
    String last = previous == null ? null : previous.lastBatchAt();
    for (DriverProgress.Query q : report.queries()) {
      in += q.inputRowsPerSecond() == null ? 0 : q.inputRowsPerSecond();
      processed += q.processedRowsPerSecond() == null ? 0 : q.processedRowsPerSecond();
      if (q.offsetsBehindLatest() != null) {
        lag = Math.max(lag == null ? 0 : lag, q.offsetsBehindLatest());
      }
      if (q.timestamp() != null && (last == null || Instant.parse(q.timestamp()).isAfter(Instant.parse(last)))) {
        last = q.timestamp();
      }
    }
    return new ProgressStatus(round(in), round(processed), lag, report.executors(), last);
  }

  /** Degraded when the last completed batch is older than a few trigger intervals. */
  private static List<Condition> stall(PipelineSpec spec, PipelineStatus status, ProgressStatus progress, Instant now) {
    Duration interval = spec.sinksOrEmpty().stream().map(SinkSpec::trigger)
        .filter(t -> t != null && t.processingTime() != null)
        .map(t -> Durations.require(t.processingTime())).max(Duration::compareTo).orElse(Duration.ZERO);
    Duration allowed = interval.multipliedBy(STALL_INTERVALS).compareTo(MIN_STALL) > 0
        ? interval.multipliedBy(STALL_INTERVALS) : MIN_STALL;
    Instant reference = progress.lastBatchAt() != null ? Instant.parse(progress.lastBatchAt())
        : status.driver() != null && status.driver().runningSince() != null ? Instant.parse(status.driver().runningSince()) : now;
    boolean stalled = Duration.between(reference, now).compareTo(allowed) > 0;
    List<Condition> out = new ArrayList<>();
    for (Condition c : status.conditionsOrEmpty()) {
      if (!c.type().equals(Condition.DEGRADED)) {
        out.add(c);
      }
    }
    Condition old = status.conditionsOrEmpty().stream().filter(c -> c.type().equals(Condition.DEGRADED)).findFirst().orElse(null);
    String value = stalled ? "True" : "False";
    String since = old != null && value.equals(old.status()) ? old.lastTransitionTime() : now.toString();
    out.add(new Condition(Condition.DEGRADED, value, stalled ? "NoProgress" : "Running",
        stalled ? "no batch completed since " + reference + " (allowed: " + allowed.toMinutes() + "m)" : "batches are completing",
        since, status.observedGeneration()));
    return out;
  }

  private static Double round(double d) {
    return Math.round(d * 10) / 10.0;
  }
}
