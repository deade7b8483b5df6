package dev.pipelines.streaming.operator.autoscale;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.status.AutoscalerStatus;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.Phase;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.status.ProgressStatus;
import dev.pipelines.streaming.api.validation.Durations;
import dev.pipelines.streaming.autoscaler.Autoscaler;
import dev.pipelines.streaming.autoscaler.ExecutorCounts;
import dev.pipelines.streaming.autoscaler.ProgressSample;
import dev.pipelines.streaming.autoscaler.ScalingDecision;
import dev.pipelines.streaming.operator.dashboard.ProgressHistory;
import dev.pipelines.streaming.operator.reconcile.Conditions;
import dev.pipelines.streaming.operator.reconcile.PipelineEvent;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * After the decision, for a running driver: reads its progress into status (rates, backlog,
 * executors, last batch), flags {@code Degraded} when batches stop completing, and with
 * spec.autoscaling decides the executor count with the {@link Autoscaler}, whose state lives in
 * status.autoscaler ({@link ScalingStatus}). The batches behind the rates live in memory per
 * pipeline: after an operator restart they fill again within one metrics window, while the
 * stabilization windows and the last scale-up carry on from status.
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

  /** The history of one pipeline (one incarnation: its UID): the batches seen, each query's last. */
  private static final class History {
    final String uid;
    final List<ProgressSample> samples = new ArrayList<>();
    final Map<String, DriverProgress.Query> lastBatch = new ConcurrentHashMap<>();

    History(String uid) {
      this.uid = uid;
    }
  }

  /**
   * The status after reading progress, its events, and the executor total to request (null:
   * none). The caller writes status (which records the decision) before {@link #scale};
   * {@code ifNotScaled} is the status to keep should the request fail.
   */
  public record Outcome(PipelineStatus status, List<PipelineEvent> events, Integer scaleTo, PipelineStatus ifNotScaled,
      boolean tokenRejected) {
    Outcome(PipelineStatus status, List<PipelineEvent> events, Integer scaleTo, PipelineStatus ifNotScaled) {
      this(status, events, scaleTo, ifNotScaled, false);
    }

    Outcome(PipelineStatus status, List<PipelineEvent> events) {
      this(status, events, null, status);
    }
  }

  /** Drops a deleted pipeline's samples and dashboard history (its autoscaler state goes with its status). */
  public void forget(String ns, String name) {
    histories.remove(ns + "/" + name);
    dashboardHistory.forget(ns, name);
  }

  /**
   * Reads the driver's progress into status; with spec.autoscaling, decides (state from and to
   * status.autoscaler) and, unless a dry run, returns the total to request.
   */
  public Outcome apply(String uid, String ns, String name, PipelineSpec spec, PipelineStatus status, Instant now) {
    if (!Phase.RUNNING.is(status.phase())) {
      return new Outcome(status, List.of());
    }
    DriverProgress report;
    try {
      report = driver.progress(ns, name, uid);
    } catch (DriverControlClient.TokenRejectedException e) {
      // the caller rewrites the pipeline's token Secret (tokenRejected); the driver re-reads it
      Outcome o = unavailable(spec, status, "TokenRejected", "the driver refused the operator's control token (the"
          + " control key changed, or its Secret was replaced); the Secret is written again and the driver re-reads it", now);
      return new Outcome(o.status(), o.events(), null, o.status(), true);
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
    if (spec.autoscaling() == null) {
      return new Outcome(status.withProgress(progress, null, conditions), List.of());
    }
    boolean dryRun = spec.autoscaling().dryRunOrDefault();
    int pending = report.pendingExecutors() == null ? 0 : report.pendingExecutors();
    int requested = report.targetExecutors() != null ? report.targetExecutors() : spec.executorOrDefault().instancesOrDefault();
    Instant since = driverSince(status);
    List<ProgressSample> samples = h.samples.stream().filter(x -> since == null || !x.at().isBefore(since)).toList();
    ScalingDecision d = autoscaler.decide(ScalingStatus.policy(spec), samples,
        new ExecutorCounts(requested, report.executors(), pending), ScalingStatus.state(status.autoscaler(), since), now);
    List<PipelineEvent> events = new ArrayList<>();
    if (d.warning() != null) {
      events.add(PipelineEvent.warning("IneffectiveScaleUp", d.warning()));
    }
    boolean act = d.scale() && !dryRun;
    if (d.scale() && dryRun && !Objects.equals(status.autoscaler() == null ? null : status.autoscaler().desired(), d.desired())) {
      events.add(PipelineEvent.normal("ScalingRecommended", "dry run: executors " + d.current() + " -> " + d.desired()
          + " recommended: " + d.reason()));
    }
    AutoscalerStatus scaling = ScalingStatus.status(d, act ? d.applied() : d.held(), report.executors(), pending, dryRun);
    PipelineStatus decided = status.withProgress(progress, scaling, conditions);
    if (!act) {
      return new Outcome(decided, events);
    }
    // Should the request fail: what holding would have kept, plus the attempt's time, so the
    // stabilization window delays a retry instead of hammering a driver that refuses.
    AutoscalerStatus held = ScalingStatus.status(d, d.held(), report.executors(), pending, false);
    AutoscalerStatus heldWithAttempt = held.heldAsOf(now.toString());
    return new Outcome(decided, events, d.desired(), status.withProgress(progress, heldWithAttempt, conditions));
  }

  /**
   * Asks the driver for {@code outcome.scaleTo()} executors, after its status (the decision,
   * lastScaleTime) was written; on failure, the status to keep is {@code ifNotScaled} with the
   * reason. A crash between the two leaves the decision recorded and the request not made:
   * the next decision sees the old count and, after the stabilization window, asks again.
   */
  public Outcome scale(String uid, String ns, String name, Outcome outcome) {
    AutoscalerStatus s = outcome.status().autoscaler();
    int from = s.current() == null ? 0 : s.current();
    List<PipelineEvent> events = new ArrayList<>(outcome.events());
    try {
      driver.scale(ns, name, uid, outcome.scaleTo());
      events.add(PipelineEvent.normal("Scaled", "executors " + from + " -> " + outcome.scaleTo() + ": " + s.reason()));
      return new Outcome(outcome.status(), events);
    } catch (IOException | RuntimeException e) {
      String why = "could not scale to " + outcome.scaleTo() + ": " + firstLine(e);
      events.add(PipelineEvent.warning("ScaleFailed", why));
      PipelineStatus kept = outcome.ifNotScaled();
      AutoscalerStatus failed = kept.autoscaler().withReason(why);
      return new Outcome(kept.withProgress(kept.progress(), failed, kept.conditionsOrEmpty()), events);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Outcome(outcome.status(), events);
    }
  }

  private static Instant driverSince(PipelineStatus status) {
    String since = status.driver() == null ? null : status.driver().runningSince();
    return since == null ? null : Instant.parse(since);
  }

  private static String firstLine(Exception e) {
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().lines().findFirst().orElse("");
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
    return unavailable(spec, status, "EndpointUnreachable", "the driver's /progress cannot be read (" + firstLine(e)
        + "); rates are not shown and autoscaling waits", now);
  }

  private static Outcome unavailable(PipelineSpec spec, PipelineStatus status, String reason, String message, Instant now) {
    ProgressStatus old = status.progress();
    ProgressStatus stale = new ProgressStatus(null, null, null, null, old == null ? null : old.lastBatchAt());
    List<Condition> conditions = stall(spec, status, stale, now);
    conditions = Conditions.set(conditions, PROGRESS_UNAVAILABLE, true, reason, message,
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

  /**
   * Adds one sample when any query completed a batch since the last poll: rows and times from
   * the new batches only; input rate, backlog and useful tasks summed over every query's last
   * batch, so a query whose batches outlast the poll interval still counts. Several sinks add
   * up: each reads its own copy of the input, and their tasks share the executors. The sample
   * is timed at the end of the newest batch (Spark's timestamp is its start).
   */
  private static void record(History h, DriverProgress report) {
    long rows = 0;
    long busy = 0;
    Long taskMillis = 0L;
    Instant at = null;
    h.lastBatch.keySet().retainAll(report.queries().stream().map(DriverProgress.Query::name).toList()); // queries gone
    for (DriverProgress.Query q : report.queries()) {
      if (q.batchId() == null || q.timestamp() == null) {
        continue;
      }
      DriverProgress.Query previous = h.lastBatch.put(q.name(), q);
      if (previous != null && q.batchId().equals(previous.batchId())) {
        continue;
      }
      rows += q.numInputRows() == null ? 0 : q.numInputRows();
      busy += q.busyMillis() == null ? 0 : q.busyMillis();
      taskMillis = taskMillis == null || q.taskMillis() == null ? null : taskMillis + q.taskMillis();
      Instant end = Instant.parse(q.timestamp()).plusMillis(q.busyMillis() == null ? 0 : q.busyMillis());
      at = at == null || end.isAfter(at) ? end : at;
    }
    if (at == null) {
      return;
    }
    double rate = 0;
    long backlog = 0;
    Integer tasks = null;
    for (DriverProgress.Query q : h.lastBatch.values()) {
      rate += q.inputRowsPerSecond() == null ? 0 : q.inputRowsPerSecond();
      backlog += backlog(q);
      Integer useful = q.maxStageTasks() != null ? q.maxStageTasks() : q.kafkaPartitions();
      if (useful != null) {
        tasks = (tasks == null ? 0 : tasks) + useful;
      }
    }
    h.samples.add(new ProgressSample(at, rate, rows, busy, taskMillis, backlog, tasks, report.executors()));
    if (h.samples.size() > MAX_SAMPLES) {
      h.samples.remove(0);
    }
  }

  /** Records waiting, summed over partitions (an older runner reports only the largest partition's lag). */
  private static long backlog(DriverProgress.Query q) {
    return q.backlog() != null ? q.backlog() : q.offsetsBehindLatest() == null ? 0 : q.offsetsBehindLatest();
  }

  private static ProgressStatus progress(DriverProgress report, ProgressStatus previous) {
    double in = 0;
    double processed = 0;
    Long lag = null;
    Map<String, Long> dropped = null;
    Map<String, Long> violations = null;
    String last = previous == null ? null : previous.lastBatchAt();
    for (DriverProgress.Query q : report.queries()) {
      in += q.inputRowsPerSecond() == null ? 0 : q.inputRowsPerSecond();
      processed += q.processedRowsPerSecond() == null ? 0 : q.processedRowsPerSecond();
      if (q.backlog() != null || q.offsetsBehindLatest() != null) {
        lag = (lag == null ? 0 : lag) + backlog(q);
      }
      if (q.rowsDroppedByWatermark() != null && q.name() != null) {
        dropped = dropped == null ? new TreeMap<>() : dropped;
        dropped.put(q.name(), q.rowsDroppedByWatermark()); // per sink: each query's own stateful steps
      }
      if (q.expectationViolations() != null) {
        violations = violations == null ? new TreeMap<>() : violations;
        for (Map.Entry<String, Long> rule : q.expectationViolations().entrySet()) {
          // every sink reading a transform checks the same rows: the highest count, not the sum
          violations.merge(rule.getKey(), rule.getValue() == null ? 0 : rule.getValue(), Math::max);
        }
      }
      if (q.timestamp() != null && (last == null || Instant.parse(q.timestamp()).isAfter(Instant.parse(last)))) {
        last = q.timestamp();
      }
    }
    return new ProgressStatus(round(in), round(processed), lag, report.executors(), last, dropped, violations);
  }

  /**
   * Degraded when the last completed batch is older than a few trigger intervals. A real-time
   * sink reports once per long batch, and the progress time is the batch's start: its interval
   * counts like a processing-time trigger's.
   */
  private static List<Condition> stall(PipelineSpec spec, PipelineStatus status, ProgressStatus progress, Instant now) {
    Duration interval = spec.sinksOrEmpty().stream().map(SinkSpec::trigger)
        .filter(t -> t != null && (t.processingTime() != null || t.realTime() != null))
        .map(t -> Durations.require(t.realTime() != null ? t.realTime() : t.processingTime()))
        .max(Duration::compareTo).orElse(Duration.ZERO);
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
