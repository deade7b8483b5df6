package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.upgrade.UpgradePlanner;
import dev.pipelines.streaming.api.upgrade.StartPlan;
import dev.pipelines.streaming.api.status.CheckpointStatus;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.DriverStatus;
import dev.pipelines.streaming.api.status.Phase;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.status.ProgressStatus;
import dev.pipelines.streaming.api.status.RestartStatus;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.operator.autoscale.ProgressStep;
import dev.pipelines.streaming.operator.driver.DriverNames;
import dev.pipelines.streaming.operator.policy.TenantPolicy;
import dev.pipelines.streaming.operator.driver.DriverPodFactory;
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
 *
 * <p>Every start, whatever the path, goes through the {@link UpgradePlanner}: a spec that may
 * not resume from the checkpoint never starts on it. The status a decision returns is written
 * <em>before</em> its actions run (see {@link ReconcileLoop}), so it records the target
 * generation, attempt and checkpoint epoch; an operator that dies mid-way resumes from it.
 */
public final class Decider {
  /**
   * A safety net only: driver pods are watched, so their changes reconcile at once. A short
   * poll here had a thousand starting pipelines re-reading the API server every few seconds.
   */
  static final Duration POLL_STARTING = Duration.ofSeconds(30);
  static final Duration POLL_STOPPING = Duration.ofSeconds(3);
  static final Duration POLL_RUNNING = Duration.ofSeconds(30);
  /** With spec.autoscaling, progress is read this often: each read is one sample of the policy. */
  static final Duration POLL_AUTOSCALED = Duration.ofSeconds(10);
  /** Phases after which a missing driver is expected, not a failure. */
  private static final Set<Phase> PLANNED_STOP = java.util.EnumSet.of(Phase.UPGRADING, Phase.SUSPENDED);
  private static final int MAX_MESSAGE = 1500;
  private final UpgradePlanner planner = new UpgradePlanner();

  public Decision decide(ReconcileInput in) {
    return new Run(in, planner).decide();
  }

  /**
   * The status after an action failed (the API server refused a create: Pod Security, quota,
   * a webhook, an invalid name): Ready=False with the server's message, an Event, and a retry
   * with the restart policy's backoff. The retry starts a new attempt, so no per-attempt object
   * of the failed one is reused.
   *
   * @param intended the status the decision wrote before acting
   * @param error the API server's message
   */
  public Decision actionFailed(ReconcileInput in, PipelineStatus intended, Action action, String error) {
    Run run = new Run(in, planner, intended);
    return run.actionFailed(action, error);
  }

  /** One decision's working state. */
  private static final class Run {
    private final ReconcileInput in;
    private final UpgradePlanner planner;
    private final PipelineStatus old;
    private final List<Action> actions = new ArrayList<>();
    private final List<PipelineEvent> events = new ArrayList<>();
    private Phase phase;
    private String message;
    private List<Condition> conditions;
    private DriverStatus driver;
    private RestartStatus restarts;
    private CheckpointStatus checkpoint;
    private ProgressStatus progress;
    private Duration requeue;

    Run(ReconcileInput in, UpgradePlanner planner) {
      this(in, planner, in.status());
    }

    Run(ReconcileInput in, UpgradePlanner planner, PipelineStatus from) {
      this.in = in;
      this.planner = planner;
      this.old = from == null ? PipelineStatus.EMPTY : from;
      this.progress = old.progress();
      this.phase = old.phase() == null ? null : Phase.of(old.phase());
      this.message = old.message();
      this.conditions = old.conditionsOrEmpty();
      this.driver = old.driver();
      this.restarts = old.restartsOrEmpty();
      this.checkpoint = old.checkpoint();
    }

    Decision decide() {
      if (!in.refusals().isEmpty()) {
        refused(TenantPolicy.NOT_ALLOWED, in.refusals(), "not allowed by the operator's tenant policy");
      } else if (!in.problems().isEmpty()) {
        refused("InvalidSpec", in.problems(), "fix the spec");
      } else if (in.spec().suspended()) {
        suspend();
      } else if (in.driver() != null && in.driver().phase() == ObservedDriver.Phase.TERMINATING) {
        requeue = POLL_STOPPING;
        message = "waiting for driver " + in.driver().podName() + " to stop";
        // Ready=True means a running driver of this generation that committed: not a stopping one.
        condition(Condition.READY, false, "DriverStopping", message);
      } else if (in.driver() != null && in.driver().active()) {
        if (in.driver().specGeneration() != in.generation()) {
          upgrade();
        } else {
          observeActive();
        }
      } else {
        noActiveDriver();
      }
      return decision();
    }

    private Decision decision() {
      if (phase != Phase.RUNNING && progress != null && progress.inputRowsPerSecond() != null) {
        // No driver reports now: rates and executors would be stale numbers shown as current.
        progress = new ProgressStatus(null, null, null, null, progress.lastBatchAt());
      }
      if (phase != Phase.RUNNING) {
        conditions = Conditions.remove(conditions, ProgressStep.PROGRESS_UNAVAILABLE);
      }
      PipelineStatus status = new PipelineStatus(phase == null ? null : phase.value(), in.generation(), message, conditions, driver,
          restarts, checkpoint, progress, old.autoscaler());
      return new Decision(List.copyOf(actions), status, List.copyOf(events), requeue);
    }

    Decision actionFailed(Action action, String error) {
      if (action instanceof Action.StopDriver stop) {
        message = truncate("could not stop driver " + stop.podName() + ": " + error);
        events.add(PipelineEvent.warning("StopFailed", message));
        condition(Condition.PROGRESSING, true, "StopFailed", message);
        condition(Condition.DEGRADED, true, "StopFailed", message);
        requeue = POLL_RUNNING;
        return decision();
      }
      Action.StartDriver start = (Action.StartDriver) action;
      String why = truncate("could not create driver " + DriverNames.driverPod(in.name(), start.attempt()) + ": " + error);
      int count = restarts.countOrZero();
      if (count >= restartPolicy().maxRestarts()) {
        failForGood("StartFailed", why + "; gave up after " + count + " retries. Fix the cause and change the spec to try again");
        return decision();
      }
      Duration backoff = restartPolicy().backoff(count);
      restarts = new RestartStatus(count, why, in.now().toString(), in.now().plus(backoff).toString());
      phase = Phase.RESTARTING; // the retry is a new attempt: nothing of this one is reused
      message = truncate(why + "; retry " + (count + 1) + " of " + restartPolicy().maxRestarts() + " in " + human(backoff));
      events.add(PipelineEvent.warning("StartFailed", message));
      condition(Condition.READY, false, "StartFailed", message);
      condition(Condition.PROGRESSING, true, "StartFailed", message);
      condition(Condition.DEGRADED, true, "StartFailed", why);
      requeue = backoff;
      return decision();
    }

    // ---- branches -------------------------------------------------------------------------

    /**
     * A spec that may not run (reason InvalidSpec: it is wrong; NotAllowed: the admin's policy
     * refuses it): nothing new is started, and a running driver keeps the spec it was given.
     */
    private void refused(String reason, List<Problem> problems, String fix) {
      String summary = problems.size() + (problems.size() == 1 ? " problem: " : " problems: ")
          + problems.stream().map(Problem::toString).collect(Collectors.joining("; "));
      boolean running = in.driver() != null && in.driver().active();
      phase = running ? phase : Phase.FAILED;
      message = truncate(summary) + (running ? " (the running driver keeps the last valid spec)" : "");
      if (changed(Condition.READY, reason, message)) {
        events.add(PipelineEvent.warning(reason, truncate(summary)));
      }
      condition(Condition.READY, false, reason, message);
      condition(Condition.PROGRESSING, false, reason, fix + "; nothing new is started");
    }

    private void suspend() {
      ObservedDriver d = in.driver();
      phase = Phase.SUSPENDED;
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
      StartPlan plan = plan();
      if (plan instanceof StartPlan.Refuse refuse) {
        String why = refuse.message() + ". The driver keeps running generation " + d.specGeneration();
        refuse(refuse.reason(), why);
        phase = d.phase() == ObservedDriver.Phase.RUNNING ? Phase.RUNNING : Phase.STARTING;
        requeue = POLL_RUNNING;
        return;
      }
      StartPlan.Start start = (StartPlan.Start) plan;
      checkpoint = checkpointStatus(start.epoch()); // recorded before the stop: a reset survives an operator crash
      actions.add(new Action.StopDriver(d.podName(), stopGraceSeconds()));
      phase = Phase.UPGRADING;
      message = truncate("stopping driver " + d.podName() + " after its current batch to roll out generation "
          + in.generation() + " " + start.note());
      events.add(PipelineEvent.normal("Upgrading", message));
      // Ready=False from the moment the stop is decided: a Ready=True kept from the old driver
      // would read, next to status.driver naming the new attempt, as "the new driver is Ready".
      condition(Condition.READY, false, "Upgrading", message);
      condition(Condition.PROGRESSING, true, "Upgrading", message);
      requeue = POLL_STOPPING;
    }

    /** Nothing starts: Ready=False with the planner's reason, once-per-change Event. */
    private void refuse(String reason, String why) {
      message = truncate(why);
      if (changed(Condition.READY, reason, message)) {
        events.add(PipelineEvent.warning(reason, message));
      }
      condition(Condition.READY, false, reason, message);
      condition(Condition.PROGRESSING, false, reason, "the change is refused; nothing new is started");
    }

    private StartPlan plan() {
      boolean startedBefore = old.driver() != null || in.driver() != null;
      String location = checkpoint != null && checkpoint.location() != null ? checkpoint.location() : checkpointStatus(epoch()).location();
      return planner.plan(in.desired(), in.generation(), in.record().get(), epoch(), startedBefore, location);
    }

    private void observeActive() {
      ObservedDriver d = in.driver();
      if (driver == null || !d.podName().equals(driver.podName())) {
        // A driver found by its labels that status does not know (the operator died after
        // creating it): adopt it rather than start a second one.
        // First seen now: restartPolicy.startTimeout counts from here for a pod that stays pending.
        driver = new DriverStatus(d.podName(), d.attempt(), in.now().toString(), d.specGeneration(), null, d.uid());
      } else if (driver.podUid() == null && d.uid() != null) {
        // Seen for the first time: from now on, its pod gone means the attempt failed.
        driver = new DriverStatus(driver.podName(), driver.attempt(), driver.startedAt(), driver.specGeneration(),
            driver.runningSince(), d.uid());
      }
      if (d.phase() == ObservedDriver.Phase.PENDING) {
        pending(d);
        return;
      }
      String since = driver != null && driver.runningSince() != null ? driver.runningSince() : in.now().toString();
      driver = new DriverStatus(d.podName(), d.attempt(), driver == null ? null : driver.startedAt(), d.specGeneration(), since,
          d.uid());
      if (phase != Phase.RUNNING) {
        events.add(PipelineEvent.normal("DriverRunning", "driver " + d.podName() + " is running"));
      }
      phase = Phase.RUNNING;
      message = "driver " + d.podName() + " is running";
      if (restarts.countOrZero() > 0 && restartPolicy().resetsCount(Instant.parse(since), in.now())) {
        events.add(PipelineEvent.normal("RestartCountReset", "healthy for " + restartPolicy().resetAfter()
            + "; restart count " + restarts.countOrZero() + " reset to 0"));
        restarts = new RestartStatus(0, restarts.lastReason(), restarts.lastFailureAt(), null);
      }
      boolean committed = progress != null && progress.lastBatchAt() != null
          && !Instant.parse(progress.lastBatchAt()).isBefore(Instant.parse(since));
      if (committed) {
        condition(Condition.READY, true, "Running", message);
      } else {
        condition(Condition.READY, false, ProgressStep.WAITING_FOR_FIRST_BATCH, message + "; no batch has committed yet");
      }
      condition(Condition.PROGRESSING, false, "Running", "generation " + in.generation() + " is running");
      if (Conditions.find(conditions, Condition.DEGRADED) == null || !Phase.RUNNING.is(old.phase())) {
        // From here on the health check owns Degraded (ProgressStep): a reconcile must not reset it.
        condition(Condition.DEGRADED, false, "Running", "no failure since the driver started");
      }
      requeue = in.spec().autoscaling() != null ? POLL_AUTOSCALED : POLL_RUNNING;
    }

    /** A driver not running yet: say why (the kubelet's or scheduler's reason); give up after startTimeout. */
    private void pending(ObservedDriver d) {
      phase = Phase.STARTING;
      PodWaiting.Reason waiting = d.waiting();
      message = "driver " + d.podName() + " is starting" + (waiting == null ? "" : ": " + truncate(waiting.toString()));
      Instant startedAt = driver != null && driver.startedAt() != null ? Instant.parse(driver.startedAt()) : in.now();
      if (restartPolicy().startTimedOut(startedAt, in.now())) {
        String reason = "driver " + d.podName() + " did not start within " + restartPolicy().startTimeout()
            + (waiting == null ? "" : " (" + truncate(waiting.toString()) + ")");
        actions.add(new Action.StopDriver(d.podName(), 0));
        restartOrGiveUp(reason);
        return;
      }
      String reason = waiting != null && waiting.stuck() ? waiting.reason() : "DriverStarting";
      condition(Condition.READY, false, reason, message);
      condition(Condition.PROGRESSING, true, "DriverStarting", message);
      if (waiting != null && waiting.stuck()) {
        if (changed(Condition.DEGRADED, reason, message)) {
          events.add(PipelineEvent.warning(reason, message));
        }
        condition(Condition.DEGRADED, true, reason, message);
      }
      Duration left = restartPolicy().startTimeLeft(startedAt, in.now());
      requeue = left.compareTo(POLL_STARTING) < 0 ? left.plusSeconds(1) : POLL_STARTING;
    }

    private void noActiveDriver() {
      ObservedDriver d = in.driver();
      if (d != null && driver != null && driver.attempt() != null && d.attempt() < driver.attempt()) {
        // Status records a later attempt than any pod shows (its create failed, or the operator
        // stopped before creating it): the older pod (kept for its logs) says nothing about it.
        d = null;
      }
      if (waitingToRetry()) {
        return;
      }
      if (driver == null && d == null) {
        start(1, "DriverCreated", "starting the first driver");
        return;
      }
      if (d == null && phase == Phase.STARTING && driver != null && driver.attempt() != null && driver.podUid() == null
          && driver.specGeneration() != null && driver.specGeneration() == in.generation()) {
        // Status records a start whose pod was never seen: the operator stopped between writing
        // its intent and creating the pod. Resume that start (same attempt) rather than guess.
        // A pod that was seen (its UID recorded) and is gone vanished: a failed attempt, below.
        start(driver.attempt(), "DriverCreated", "resuming the recorded start of attempt " + driver.attempt());
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
      if (d != null && d.phase() == ObservedDriver.Phase.SUCCEEDED && !restartPolicy().restartsAfterSuccess()) {
        phase = Phase.COMPLETED;
        message = "driver " + d.podName() + " finished: every query ended";
        if (changed(Condition.READY, "Completed", message)) {
          events.add(PipelineEvent.normal("Completed", message));
        }
        condition(Condition.READY, false, "Completed", message);
        condition(Condition.PROGRESSING, false, "Completed", message);
        return;
      }
      String permanent = d != null && d.phase() == ObservedDriver.Phase.FAILED
          ? RestartPolicy.permanentFailure(d.exitCode()) : null;
      if (permanent != null) {
        failForGood(permanent, "driver " + d.podName() + " failed: " + d.terminationReason()
            + "; a restart would fail the same way, so none is attempted. Change the spec to try again");
        return;
      }
      String reason = d == null
          ? "driver pod " + driver.podName() + " disappeared (deleted or evicted)"
          : d.phase() == ObservedDriver.Phase.SUCCEEDED ? "driver ended and restartPolicy is Always"
          : "driver " + d.podName() + " failed: " + d.terminationReason();
      restartOrGiveUp(reason);
    }

    /**
     * A retry of this generation is scheduled (a failed create's backoff) and not due yet: wait
     * for it. A new generation (the user changed something) does not wait.
     */
    private boolean waitingToRetry() {
      if (restarts.nextRetryAt() == null || phase != Phase.RESTARTING) {
        return false;
      }
      if (driver != null && driver.specGeneration() != null && driver.specGeneration() != in.generation()) {
        return false;
      }
      Instant retryAt = Instant.parse(restarts.nextRetryAt());
      if (!in.now().isBefore(retryAt)) {
        return false;
      }
      requeue = Duration.between(in.now(), retryAt);
      return true;
    }

    /** A failure no retry fixes (the runner refused the spec or the checkpoint): Failed, no restart. */
    private void failForGood(String reason, String why) {
      phase = Phase.FAILED;
      message = truncate(why);
      if (changed(Condition.READY, reason, message)) {
        events.add(PipelineEvent.warning(reason, message));
      }
      condition(Condition.READY, false, reason, message);
      condition(Condition.PROGRESSING, false, reason, "nothing is retried until the spec changes");
      condition(Condition.DEGRADED, true, reason, message);
    }

    private void restartOrGiveUp(String reason) {
      RestartPolicy p = restartPolicy();
      int count = restarts.countOrZero();
      if (phase == Phase.FAILED) {
        return; // gave up already; a spec change starts over
      }
      String why = p.givesUp(count);
      if (why != null) {
        phase = Phase.FAILED;
        message = truncate(reason + "; " + why);
        events.add(PipelineEvent.warning("Failed", message));
        condition(Condition.READY, false, "DriverFailed", message);
        condition(Condition.PROGRESSING, false, "DriverFailed", why);
        condition(Condition.DEGRADED, true, "DriverFailed", truncate(reason));
        return;
      }
      if (restarts.nextRetryAt() == null) {
        Duration backoff = p.backoff(count);
        Instant retryAt = in.now().plus(backoff);
        restarts = new RestartStatus(count, reason, in.now().toString(), retryAt.toString());
        phase = Phase.RESTARTING;
        message = reason + "; restart " + (count + 1) + " of " + p.maxRestarts() + " in " + human(backoff);
        events.add(PipelineEvent.warning("DriverFailed", truncate(message)));
        condition(Condition.READY, false, "Restarting", message);
        condition(Condition.PROGRESSING, true, "Restarting", message);
        condition(Condition.DEGRADED, true, "DriverFailed", truncate(reason));
        requeue = backoff;
        return;
      }
      Instant retryAt = Instant.parse(restarts.nextRetryAt());
      if (in.now().isBefore(retryAt)) {
        phase = Phase.RESTARTING;
        requeue = Duration.between(in.now(), retryAt);
        return;
      }
      restarts = new RestartStatus(count + 1, restarts.lastReason(), restarts.lastFailureAt(), null);
      start(nextAttempt(), "DriverRestarted", "restart " + (count + 1) + " of " + p.maxRestarts()
          + " from the checkpoint after: " + restarts.lastReason());
    }

    // ---- helpers --------------------------------------------------------------------------

    /** Starts a driver if the planner allows this generation on the checkpoint; else says why not. */
    private void start(int attempt, String reason, String why) {
      StartPlan plan = plan();
      if (plan instanceof StartPlan.Refuse refuse) {
        phase = Phase.FAILED; // nothing runs and nothing will until the spec changes
        refuse(refuse.reason(), refuse.message());
        // A spec change reconciles at once; a restored <name>-spec ConfigMap is not watched.
        requeue = "UnknownCheckpointSpec".equals(refuse.reason()) ? POLL_RUNNING : null;
        return;
      }
      StartPlan.Start planned = (StartPlan.Start) plan;
      int epoch = planned.epoch();
      // The runner keeps its own record of the spec in each query's checkpoint; one written by an
      // older runner has none, and the operator vouches for it only when it checked the spec.
      actions.add(new Action.StartDriver(attempt, epoch, planned.checkedAgainstRecord()));
      String pod = DriverNames.driverPod(in.name(), attempt);
      driver = new DriverStatus(pod, attempt, in.now().toString(), in.generation(), null);
      checkpoint = checkpointStatus(epoch);
      phase = Phase.STARTING;
      message = truncate("driver " + pod + ": " + why + " " + planned.note());
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

    private long stopGraceSeconds() {
      return DriverPodFactory.gracePeriodSeconds(in.spec());
    }

    private RestartPolicy restartPolicy() {
      return new RestartPolicy(in.spec().restartPolicyOrDefault());
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
