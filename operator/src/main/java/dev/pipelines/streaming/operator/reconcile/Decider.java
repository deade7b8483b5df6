package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.compat.CompatibilityReport;
import dev.pipelines.streaming.api.model.RestartPolicySpec;
import dev.pipelines.streaming.api.model.RestartPolicySpec.RestartType;
import dev.pipelines.streaming.api.model.UpgradeSpec.OnIncompatibleChange;
import dev.pipelines.streaming.api.status.CheckpointStatus;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.DriverStatus;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.status.RestartStatus;
import dev.pipelines.streaming.api.validation.Durations;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.operator.driver.DriverNames;
import dev.pipelines.streaming.operator.driver.DriverRequest;
import dev.pipelines.streaming.operator.driver.SparkConfFactory;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Decides what to do about a pipeline from what was observed. Pure: no client, no clock, no
 * I/O, so every rule is a plain unit test (state in, actions out). In order:
 * invalid spec → suspend → wait for a stopping driver → running driver (upgrade or observe)
 * → no running driver (first start, planned start, restart with backoff, or give up).
 */
public final class Decider {
  /**
   * A safety net only: driver pods are watched, so their changes reconcile at once. A short
   * poll here had a thousand starting pipelines re-reading the API server every few seconds.
   */
  static final Duration POLL_STARTING = Duration.ofSeconds(30);
  static final Duration POLL_STOPPING = Duration.ofSeconds(3);
  static final Duration POLL_RUNNING = Duration.ofSeconds(30);
  /** Phases after which a missing driver is expected, not a failure. */
  private static final Set<String> PLANNED_STOP = Set.of("Upgrading", "Suspended");
  private static final int MAX_MESSAGE = 1500;

  public Decision decide(ReconcileInput in) {
    return new Run(in).decide();
  }

  /** One decision's working state. */
  private static final class Run {
    private final ReconcileInput in;
    private final PipelineStatus old;
    private final List<Action> actions = new ArrayList<>();
    private final List<PipelineEvent> events = new ArrayList<>();
    private String phase;
    private String message;
    private List<Condition> conditions;
    private DriverStatus driver;
    private RestartStatus restarts;
    private CheckpointStatus checkpoint;
    private Duration requeue;

    Run(ReconcileInput in) {
      this.in = in;
      this.old = in.status() == null ? PipelineStatus.EMPTY : in.status();
      this.phase = old.phase();
      this.message = old.message();
      this.conditions = old.conditionsOrEmpty();
      this.driver = old.driver();
      this.restarts = old.restartsOrEmpty();
      this.checkpoint = old.checkpoint();
    }

    Decision decide() {
      if (!in.problems().isEmpty()) {
        invalidSpec();
      } else if (in.spec().suspended()) {
        suspend();
      } else if (in.driver() != null && in.driver().phase() == ObservedDriver.Phase.TERMINATING) {
        requeue = POLL_STOPPING;
        message = "waiting for driver " + in.driver().podName() + " to stop";
      } else if (in.driver() != null && in.driver().active()) {
        if (in.driver().specGeneration() != in.generation()) {
          upgrade();
        } else {
          observeActive();
        }
      } else {
        noActiveDriver();
      }
      PipelineStatus status = new PipelineStatus(phase, in.generation(), message, conditions, driver,
          restarts, checkpoint, old.progress(), old.autoscaler());
      return new Decision(List.copyOf(actions), status, List.copyOf(events), requeue);
    }

    // ---- branches -------------------------------------------------------------------------

    private void invalidSpec() {
      String summary = in.problems().size() + (in.problems().size() == 1 ? " problem: " : " problems: ")
          + in.problems().stream().map(Problem::toString).collect(Collectors.joining("; "));
      boolean running = in.driver() != null && in.driver().active();
      phase = running ? phase : "Failed";
      message = truncate(summary) + (running ? " (the running driver keeps the last valid spec)" : "");
      if (changed(Condition.READY, "InvalidSpec", message)) {
        events.add(PipelineEvent.warning("InvalidSpec", truncate(summary)));
      }
      condition(Condition.READY, false, "InvalidSpec", message);
      condition(Condition.PROGRESSING, false, "InvalidSpec", "fix the spec; nothing new is started");
    }

    private void suspend() {
      ObservedDriver d = in.driver();
      phase = "Suspended";
      if (d != null && d.active()) {
        actions.add(new Action.StopDriver(d.podName(), stopGraceSeconds()));
        events.add(PipelineEvent.normal("Suspending", "stopping driver " + d.podName()
            + " after its current batch; the checkpoint is kept"));
        message = "stopping driver " + d.podName();
        requeue = POLL_STOPPING;
      } else if (d != null && d.phase() == ObservedDriver.Phase.TERMINATING) {
        message = "stopping driver " + d.podName();
        requeue = POLL_STOPPING;
      } else {
        message = "suspended; the checkpoint is kept. Set spec.suspend: false to resume";
      }
      condition(Condition.READY, false, "Suspended", message);
      condition(Condition.PROGRESSING, false, "Suspended", message);
    }

    private void upgrade() {
      ObservedDriver d = in.driver();
      CompatibilityReport report = in.compatibility() == null ? null : in.compatibility().get();
      boolean compatible = report == null || report.compatible();
      OnIncompatibleChange onIncompatible = in.spec().upgradeOrDefault().onIncompatibleChangeOrDefault();
      if (!compatible && onIncompatible == OnIncompatibleChange.REFUSE) {
        String why = "generation " + in.generation() + " cannot resume from the checkpoint: " + report.summary()
            + ". The driver keeps running generation " + d.specGeneration()
            + "; set spec.upgrade.onIncompatibleChange: resetCheckpoint to start over";
        if (changed(Condition.READY, "IncompatibleChange", truncate(why))) {
          events.add(PipelineEvent.warning("IncompatibleChange", truncate(why)));
        }
        phase = d.phase() == ObservedDriver.Phase.RUNNING ? "Running" : "Starting";
        message = truncate(why);
        condition(Condition.READY, false, "IncompatibleChange", message);
        condition(Condition.PROGRESSING, false, "IncompatibleChange", "the change is refused");
        requeue = POLL_RUNNING;
        return;
      }
      int epoch = epoch() + (compatible ? 0 : 1);
      checkpoint = checkpointStatus(epoch);
      actions.add(new Action.StopDriver(d.podName(), stopGraceSeconds()));
      phase = "Upgrading";
      message = "stopping driver " + d.podName() + " after its current batch to roll out generation " + in.generation()
          + (compatible ? " on the same checkpoint" : " in a fresh checkpoint (epoch " + epoch + "; the old one is kept)");
      events.add(PipelineEvent.normal("Upgrading", message));
      condition(Condition.PROGRESSING, true, "Upgrading", message);
      requeue = POLL_STOPPING;
    }

    private void observeActive() {
      ObservedDriver d = in.driver();
      if (driver == null || !d.podName().equals(driver.podName())) {
        // A driver found by its labels that status does not know (the operator died after
        // creating it): adopt it rather than start a second one.
        driver = new DriverStatus(d.podName(), d.attempt(), null, d.specGeneration(), null);
      }
      if (d.phase() == ObservedDriver.Phase.PENDING) {
        phase = "Starting";
        message = "driver " + d.podName() + " is starting";
        condition(Condition.READY, false, "DriverStarting", message);
        condition(Condition.PROGRESSING, true, "DriverStarting", message);
        requeue = POLL_STARTING;
        return;
      }
      String since = driver != null && driver.runningSince() != null ? driver.runningSince() : in.now().toString();
      driver = new DriverStatus(d.podName(), d.attempt(), driver == null ? null : driver.startedAt(), d.specGeneration(), since);
      if (!"Running".equals(phase)) {
        events.add(PipelineEvent.normal("DriverRunning", "driver " + d.podName() + " is running"));
      }
      phase = "Running";
      message = "driver " + d.podName() + " is running";
      Duration resetAfter = Durations.require(policy().resetAfterOrDefault());
      Duration healthy = Duration.between(Instant.parse(since), in.now());
      if (restarts.countOrZero() > 0 && healthy.compareTo(resetAfter) >= 0) {
        events.add(PipelineEvent.normal("RestartCountReset", "healthy for " + policy().resetAfterOrDefault()
            + "; restart count " + restarts.countOrZero() + " reset to 0"));
        restarts = new RestartStatus(0, restarts.lastReason(), restarts.lastFailureAt(), null);
      }
      condition(Condition.READY, true, "Running", message);
      condition(Condition.PROGRESSING, false, "Running", "generation " + in.generation() + " is running");
      condition(Condition.DEGRADED, false, "Running", "no failure since the driver started");
      requeue = POLL_RUNNING;
    }

    private void noActiveDriver() {
      ObservedDriver d = in.driver();
      if (driver == null && d == null) {
        start(1, "DriverCreated", "starting the first driver");
        return;
      }
      long runningGeneration = d != null ? d.specGeneration() : driver.specGeneration() == null ? -1 : driver.specGeneration();
      if (runningGeneration != in.generation() || PLANNED_STOP.contains(phase)) {
        // A spec change (or a resume) after a planned stop or a final state: start afresh.
        boolean newSpec = runningGeneration != in.generation();
        if (newSpec) {
          restarts = RestartStatus.NONE;
        }
        start(nextAttempt(), "DriverCreated", newSpec
            ? "starting generation " + in.generation() + (epoch() > 0 ? " in checkpoint epoch " + epoch() : "")
            : "resuming from the checkpoint");
        return;
      }
      if (d != null && d.phase() == ObservedDriver.Phase.SUCCEEDED && policy().typeOrDefault() != RestartType.ALWAYS) {
        phase = "Completed";
        message = "driver " + d.podName() + " finished: every query ended";
        if (changed(Condition.READY, "Completed", message)) {
          events.add(PipelineEvent.normal("Completed", message));
        }
        condition(Condition.READY, false, "Completed", message);
        condition(Condition.PROGRESSING, false, "Completed", message);
        return;
      }
      String reason = d == null
          ? "driver pod " + driver.podName() + " disappeared (deleted or evicted)"
          : d.phase() == ObservedDriver.Phase.SUCCEEDED ? "driver ended and restartPolicy is Always"
          : "driver " + d.podName() + " failed: " + d.terminationReason();
      restartOrGiveUp(reason, d == null ? null : d.logTail());
    }

    private void restartOrGiveUp(String reason, String logTail) {
      RestartPolicySpec p = policy();
      int count = restarts.countOrZero();
      if ("Failed".equals(phase)) {
        return; // gave up already; a spec change starts over
      }
      if (p.typeOrDefault() == RestartType.NEVER || count >= p.maxRestartsOrDefault()) {
        phase = "Failed";
        String why = p.typeOrDefault() == RestartType.NEVER ? "restartPolicy is Never"
            : "gave up after " + count + (count == 1 ? " restart" : " restarts");
        message = truncate(reason + "; " + why + (logTail == null ? "" : ". Log tail:\n" + logTail));
        events.add(PipelineEvent.warning("Failed", message));
        condition(Condition.READY, false, "DriverFailed", message);
        condition(Condition.PROGRESSING, false, "DriverFailed", why);
        condition(Condition.DEGRADED, true, "DriverFailed", truncate(reason));
        return;
      }
      if (restarts.nextRetryAt() == null) {
        Duration backoff = backoff(count);
        Instant retryAt = in.now().plus(backoff);
        restarts = new RestartStatus(count, reason, in.now().toString(), retryAt.toString());
        phase = "Restarting";
        message = reason + "; restart " + (count + 1) + " of " + p.maxRestartsOrDefault() + " in " + human(backoff);
        events.add(PipelineEvent.warning("DriverFailed", truncate(message + (logTail == null ? "" : ". Log tail:\n" + logTail))));
        condition(Condition.READY, false, "Restarting", message);
        condition(Condition.PROGRESSING, true, "Restarting", message);
        condition(Condition.DEGRADED, true, "DriverFailed", truncate(reason));
        requeue = backoff;
        return;
      }
      Instant retryAt = Instant.parse(restarts.nextRetryAt());
      if (in.now().isBefore(retryAt)) {
        phase = "Restarting";
        requeue = Duration.between(in.now(), retryAt);
        return;
      }
      restarts = new RestartStatus(count + 1, restarts.lastReason(), restarts.lastFailureAt(), null);
      start(nextAttempt(), "DriverRestarted", "restart " + (count + 1) + " of " + p.maxRestartsOrDefault()
          + " from the checkpoint after: " + restarts.lastReason());
    }

    // ---- helpers --------------------------------------------------------------------------

    private void start(int attempt, String reason, String why) {
      int epoch = epoch();
      actions.add(new Action.StartDriver(attempt, epoch));
      String pod = DriverNames.driverPod(in.name(), attempt);
      driver = new DriverStatus(pod, attempt, in.now().toString(), in.generation(), null);
      checkpoint = checkpointStatus(epoch);
      phase = "Starting";
      message = "driver " + pod + ": " + why;
      events.add(PipelineEvent.normal(reason, message));
      condition(Condition.READY, false, "DriverStarting", message);
      condition(Condition.PROGRESSING, true, "DriverStarting", message);
      requeue = POLL_STARTING;
    }

    private int nextAttempt() {
      int observed = in.driver() == null ? 0 : in.driver().attempt();
      int recorded = driver == null || driver.attempt() == null ? 0 : driver.attempt();
      return Math.max(observed, recorded) + 1;
    }

    private int epoch() {
      return checkpoint == null ? 0 : checkpoint.epochOrZero();
    }

    private CheckpointStatus checkpointStatus(int epoch) {
      String location = SparkConfFactory.checkpointRoot(
          new DriverRequest(in.namespace(), in.name(), null, in.spec(), 0, in.generation(), epoch)) + "/" + in.name();
      return new CheckpointStatus(location, epoch, checkpoint == null ? null : checkpoint.lastCommittedBatch());
    }

    private Duration backoff(int restartsSoFar) {
      Duration initial = Durations.require(policy().initialBackoffOrDefault());
      Duration max = Durations.require(policy().maxBackoffOrDefault());
      Duration d = initial.multipliedBy(1L << Math.min(restartsSoFar, 20));
      return d.compareTo(max) > 0 ? max : d;
    }

    private long stopGraceSeconds() {
      return Durations.require(in.spec().upgradeOrDefault().stopTimeoutOrDefault()).toSeconds();
    }

    private RestartPolicySpec policy() {
      return in.spec().restartPolicyOrDefault();
    }

    private void condition(String type, boolean status, String reason, String msg) {
      conditions = Conditions.set(conditions, type, status, reason, msg, in.now(), in.generation());
    }

    /** Whether a condition would change: events are recorded once per change, not per reconcile. */
    private boolean changed(String type, String reason, String msg) {
      Condition c = Conditions.find(old.conditionsOrEmpty(), type);
      return c == null || !reason.equals(c.reason()) || !msg.equals(c.message());
    }

    private static String truncate(String s) {
      return s.length() <= MAX_MESSAGE ? s : s.substring(0, MAX_MESSAGE - 3) + "...";
    }

    private static String human(Duration d) {
      return d.toMinutes() >= 1 && d.toSecondsPart() == 0 ? d.toMinutes() + "m" : d.toSeconds() + "s";
    }
  }
}
