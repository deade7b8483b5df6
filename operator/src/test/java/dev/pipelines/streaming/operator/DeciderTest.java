package dev.pipelines.streaming.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.Metadata;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.status.ProgressStatus;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.operator.reconcile.Action;
import dev.pipelines.streaming.operator.reconcile.Conditions;
import dev.pipelines.streaming.operator.driver.DriverPodFactory;
import dev.pipelines.streaming.api.upgrade.CheckpointRecord;
import dev.pipelines.streaming.operator.reconcile.Decider;
import dev.pipelines.streaming.operator.reconcile.Decision;
import dev.pipelines.streaming.operator.reconcile.ObservedDriver;
import dev.pipelines.streaming.operator.reconcile.ObservedDriver.Phase;
import dev.pipelines.streaming.operator.reconcile.PipelineEvent;
import dev.pipelines.streaming.operator.reconcile.PodWaiting;
import dev.pipelines.streaming.operator.reconcile.ReconcileInput;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The reconciler's rules as plain functions: observed state in, actions and status out. */
class DeciderTest {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  final Decider decider = new Decider();

  static PipelineSpec spec(String extra) {
    return PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: clicks}
        spec:
          checkpoint: {pvc: {}}
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
        """ + extra.indent(2)).orThrow().spec();
  }

  /** A windowed count per {@code groupBy}: changing the keys cannot resume from the checkpoint. */
  static PipelineSpec windowed(String groupBy, String extra) {
    return windowed(groupBy, "console: {}", extra);
  }

  static PipelineSpec windowed(String groupBy, String sink, String extra) {
    return PipelineLoader.parse("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {name: clicks}
        spec:
          checkpoint: {pvc: {}}
          sources: [{name: clicks, generator: {}, watermark: {column: eventTime, delay: 30s}}]
          transforms:
            - name: perPage
              from: clicks
              window: {column: eventTime, size: 1m, groupBy: %s, aggregations: [{fn: count}]}
          sinks: [{name: out, from: perPage, %s}]
        """.formatted(groupBy, sink) + extra.indent(2)).orThrow().spec();
  }

  static StreamingPipeline pipeline(PipelineSpec spec) {
    return new StreamingPipeline(StreamingPipeline.API_VERSION, StreamingPipeline.KIND,
        new Metadata("clicks", "ns", null, null), spec);
  }

  /** Status of generation 1 of {@code spec} running as attempt 1 on epoch 0. */
  PipelineStatus running(PipelineSpec spec) {
    PipelineStatus started = decider.decide(input(spec, 1, null, null, T0)).status();
    return decider.decide(input(spec, 1, started, pod(1, 1, Phase.RUNNING), T0)).status();
  }

  /** The spec that ran on epoch 0 is the desired one (nothing to refuse). */
  static ReconcileInput input(PipelineSpec spec, long generation, PipelineStatus status, ObservedDriver driver,
      Instant now) {
    return input(spec, generation, status, driver, now, CheckpointRecord.of(pipeline(spec), 0, generation), List.of());
  }

  static ReconcileInput input(PipelineSpec spec, long generation, PipelineStatus status, ObservedDriver driver,
      Instant now, CheckpointRecord record, List<Problem> problems) {
    return new ReconcileInput("ns", "clicks", generation, pipeline(spec), status, problems, List.of(), driver, () -> record, now);
  }

  static ObservedDriver pod(int attempt, long generation, Phase phase) {
    return new ObservedDriver("clicks-driver-" + attempt, attempt, generation, phase,
        phase == Phase.FAILED ? "exit code 1 (Error): StreamingQueryException: boom" : null,
        phase == Phase.FAILED ? 1 : null, null);
  }

  /** One StartDriver of this attempt and epoch (whether the runner may adopt the checkpoint aside). */
  static void assertStarts(Decision d, int attempt, int epoch) {
    assertThat(d.actions()).singleElement().isInstanceOfSatisfying(Action.StartDriver.class, s -> {
      assertThat(s.attempt()).isEqualTo(attempt);
      assertThat(s.epoch()).isEqualTo(epoch);
    });
  }

  static Condition condition(Decision d, String type) {
    return d.status().conditions().stream().filter(c -> c.type().equals(type)).findFirst().orElseThrow();
  }

  @Test
  void firstReconcileStartsAttemptOneInEpochZero() {
    Decision d = decider.decide(input(spec(""), 1, null, null, T0));
    assertStarts(d, 1, 0);
    assertThat(d.status().phase()).isEqualTo("Starting");
    assertThat(d.status().observedGeneration()).isEqualTo(1);
    assertThat(d.status().driver().podName()).isEqualTo("clicks-driver-1");
    assertThat(d.status().checkpoint().location()).isEqualTo("/checkpoints/ns/epoch-0/clicks");
    assertThat(d.events()).extracting(PipelineEvent::reason).containsExactly("DriverCreated");
    assertThat(d.requeueAfter()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void runningDriverIsRunningButNotReadyBeforeItsFirstBatch() {
    PipelineStatus starting = decider.decide(input(spec(""), 1, null, null, T0)).status();
    Decision d = decider.decide(input(spec(""), 1, starting, pod(1, 1, Phase.RUNNING), T0.plusSeconds(20)));
    assertThat(d.actions()).isEmpty();
    assertThat(d.status().phase()).isEqualTo("Running");
    assertThat(condition(d, "Ready").status()).isEqualTo("False");
    assertThat(condition(d, "Ready").reason()).isEqualTo("WaitingForFirstBatch");
    assertThat(d.status().driver().runningSince()).isEqualTo(T0.plusSeconds(20).toString());
    assertThat(d.events()).extracting(PipelineEvent::reason).containsExactly("DriverRunning");
  }

  @Test
  void failedDriverRestartsWithExponentialBackoffThenGivesUp() {
    PipelineSpec spec = spec("restartPolicy: {maxRestarts: 2, initialBackoff: 10s, maxBackoff: 15s}");
    PipelineStatus status = decider.decide(input(spec, 1, null, null, T0)).status();

    // attempt 1 fails: wait 10s
    Decision wait = decider.decide(input(spec, 1, status, pod(1, 1, Phase.FAILED), T0.plusSeconds(30)));
    assertThat(wait.actions()).isEmpty();
    assertThat(wait.status().phase()).isEqualTo("Restarting");
    assertThat(wait.requeueAfter()).isEqualTo(Duration.ofSeconds(10));
    assertThat(wait.status().restarts().nextRetryAt()).isEqualTo(T0.plusSeconds(40).toString());
    assertThat(wait.events()).singleElement().satisfies(e -> {
      assertThat(e.type()).isEqualTo(PipelineEvent.Type.Warning);
      assertThat(e.message()).startsWith("driver clicks-driver-1 failed: exit code 1 (Error): StreamingQueryException: boom;"
          + " restart 1 of 2 in 10s");
    });
    assertThat(condition(wait, "Degraded").status()).isEqualTo("True");

    // too early: still waiting
    Decision early = decider.decide(input(spec, 1, wait.status(), pod(1, 1, Phase.FAILED), T0.plusSeconds(35)));
    assertThat(early.actions()).isEmpty();
    assertThat(early.requeueAfter()).isEqualTo(Duration.ofSeconds(5));

    // backoff over: attempt 2 from the same checkpoint
    Decision restart = decider.decide(input(spec, 1, wait.status(), pod(1, 1, Phase.FAILED), T0.plusSeconds(41)));
    assertStarts(restart, 2, 0);
    assertThat(restart.status().restarts().count()).isEqualTo(1);

    // attempt 2 fails: the wait doubles, capped at maxBackoff (20s -> 15s)
    Decision second = decider.decide(input(spec, 1, restart.status(), pod(2, 1, Phase.FAILED), T0.plusSeconds(60)));
    assertThat(second.requeueAfter()).isEqualTo(Duration.ofSeconds(15));
    Decision third = decider.decide(input(spec, 1, second.status(), pod(2, 1, Phase.FAILED), T0.plusSeconds(80)));
    assertStarts(third, 3, 0);

    // attempt 3 fails with 2 restarts used: Failed, with the reason and the log tail
    Decision failed = decider.decide(input(spec, 1, third.status(), pod(3, 1, Phase.FAILED), T0.plusSeconds(99)));
    assertThat(failed.actions()).isEmpty();
    assertThat(failed.status().phase()).isEqualTo("Failed");
    assertThat(failed.status().message()).isEqualTo("driver clicks-driver-3 failed: exit code 1 (Error): "
        + "StreamingQueryException: boom; gave up after 2 restarts");
    assertThat(condition(failed, "Ready").reason()).isEqualTo("DriverFailed");
    assertThat(failed.requeueAfter()).isNull();

    // and stays failed
    assertThat(decider.decide(input(spec, 1, failed.status(), pod(3, 1, Phase.FAILED), T0.plusSeconds(500))).actions()).isEmpty();
  }

  @Test
  void restartPolicyNeverFailsAtOnce() {
    PipelineSpec spec = spec("restartPolicy: {type: Never}");
    PipelineStatus status = decider.decide(input(spec, 1, null, null, T0)).status();
    Decision d = decider.decide(input(spec, 1, status, pod(1, 1, Phase.FAILED), T0.plusSeconds(5)));
    assertThat(d.actions()).isEmpty();
    assertThat(d.status().phase()).isEqualTo("Failed");
    assertThat(d.status().message()).contains("restartPolicy is Never");
  }

  @Test
  void aDeletedDriverPodIsRestarted() {
    PipelineSpec spec = spec("");
    PipelineStatus running = decider.decide(input(spec, 1,
        decider.decide(input(spec, 1, null, null, T0)).status(), pod(1, 1, Phase.RUNNING), T0)).status();
    Decision d = decider.decide(input(spec, 1, running, null, T0.plusSeconds(60)));
    assertThat(d.status().phase()).isEqualTo("Restarting");
    assertThat(d.status().restarts().lastReason()).isEqualTo("driver pod clicks-driver-1 disappeared (deleted or evicted)");
  }

  @Test
  void succeededDriverCompletesUnlessPolicyIsAlways() {
    PipelineStatus started = decider.decide(input(spec(""), 1, null, null, T0)).status();
    Decision onFailure = decider.decide(input(spec(""), 1, started, pod(1, 1, Phase.SUCCEEDED), T0.plusSeconds(9)));
    assertThat(onFailure.status().phase()).isEqualTo("Completed");
    assertThat(onFailure.actions()).isEmpty();

    PipelineSpec always = spec("restartPolicy: {type: Always}");
    Decision d = decider.decide(input(always, 1, started, pod(1, 1, Phase.SUCCEEDED), T0.plusSeconds(9)));
    assertThat(d.status().phase()).isEqualTo("Restarting");
  }

  @Test
  void compatibleChangeStopsGracefullyThenStartsTheNewGenerationOnTheSameCheckpoint() {
    PipelineSpec spec = spec("upgrade: {stopTimeout: 45s}");
    PipelineStatus running = decider.decide(input(spec, 1,
        decider.decide(input(spec, 1, null, null, T0)).status(), pod(1, 1, Phase.RUNNING), T0)).status();

    Decision stop = decider.decide(input(spec, 2, running, pod(1, 1, Phase.RUNNING), T0.plusSeconds(60),
        CheckpointRecord.of(pipeline(spec("upgrade: {stopTimeout: 30s}")), 0, 1L), List.of()));
    assertThat(stop.actions()).containsExactly(new Action.StopDriver("clicks-driver-1", 75));
    assertThat(stop.status().phase()).isEqualTo("Upgrading");
    assertThat(stop.status().message()).isEqualTo("stopping driver clicks-driver-1 after its current batch to roll out"
        + " generation 2 on the same checkpoint");

    Decision waiting = decider.decide(input(spec, 2, stop.status(), pod(1, 1, Phase.TERMINATING), T0.plusSeconds(61)));
    assertThat(waiting.actions()).isEmpty();
    assertThat(waiting.status().phase()).isEqualTo("Upgrading");
    assertThat(condition(waiting, "Ready").status()).as("a stopping driver is not Ready").isEqualTo("False");

    Decision start = decider.decide(input(spec, 2, waiting.status(), null, T0.plusSeconds(70)));
    assertStarts(start, 2, 0);
    assertThat(start.status().driver().specGeneration()).isEqualTo(2);
    assertThat(start.status().restarts().countOrZero()).isZero();
  }

  /**
   * Ready=True is the old driver's until the upgrade decides to stop it; from then on it is False
   * (reason Upgrading, then DriverStopping), so no reader pairs a Ready=True with the new attempt
   * that status names before its pod exists (the real-node rollout step read exactly that).
   */
  @Test
  void anUpgradeTakesReadyAwayFromTheStoppingDriver() {
    PipelineSpec spec = spec("");
    PipelineStatus running = running(spec);
    PipelineStatus ready = new PipelineStatus(running.phase(), running.observedGeneration(), running.message(),
        Conditions.set(running.conditionsOrEmpty(), "Ready", true, "Running", "driver clicks-driver-1 is running", T0, 1),
        running.driver(), running.restarts(), running.checkpoint(), running.progress(), running.autoscaler());

    Decision stop = decider.decide(input(spec, 2, ready, pod(1, 1, Phase.RUNNING), T0.plusSeconds(60)));
    assertThat(stop.actions()).containsExactly(new Action.StopDriver("clicks-driver-1", DriverPodFactory.gracePeriodSeconds(spec)));
    assertThat(condition(stop, "Ready").status()).isEqualTo("False");
    assertThat(condition(stop, "Ready").reason()).isEqualTo("Upgrading");

    Decision waiting = decider.decide(input(spec, 2, stop.status(), pod(1, 1, Phase.TERMINATING), T0.plusSeconds(61)));
    assertThat(condition(waiting, "Ready").reason()).isEqualTo("DriverStopping");

    Decision start = decider.decide(input(spec, 2, waiting.status(), null, T0.plusSeconds(70)));
    assertThat(start.status().driver().podName()).isEqualTo("clicks-driver-2");
    assertThat(condition(start, "Ready").status()).isEqualTo("False");
  }

  @Test
  void incompatibleChangeIsRefusedAndTheOldDriverKeepsRunning() {
    PipelineSpec v1 = windowed("[page]", "");
    PipelineStatus running = running(v1);
    PipelineSpec spec = windowed("[page, userId]", "");
    CheckpointRecord incompatible = CheckpointRecord.of(pipeline(v1), 0, 1L);

    Decision d = decider.decide(input(spec, 2, running, pod(1, 1, Phase.RUNNING), T0.plusSeconds(60), incompatible, List.of()));
    assertThat(d.actions()).isEmpty();
    assertThat(d.status().phase()).isEqualTo("Running");
    Condition ready = condition(d, "Ready");
    assertThat(ready.status()).isEqualTo("False");
    assertThat(ready.reason()).isEqualTo("IncompatibleChange");
    assertThat(ready.message()).contains("spec.transforms[0].window.groupBy").contains("The driver keeps running generation 1");
    assertThat(d.events()).extracting(PipelineEvent::reason).containsExactly("IncompatibleChange");

    Decision again = decider.decide(input(spec, 2, d.status(), pod(1, 1, Phase.RUNNING), T0.plusSeconds(90), incompatible, List.of()));
    assertThat(again.events()).as("one event per change, not per reconcile").isEmpty();
  }

  @Test
  void incompatibleChangeWithResetCheckpointMovesToANewEpoch() {
    PipelineSpec v1 = windowed("[page]", "");
    PipelineStatus running = running(v1);
    PipelineSpec spec = windowed("[userId]", "upgrade: {onIncompatibleChange: resetCheckpoint}");
    CheckpointRecord incompatible = CheckpointRecord.of(pipeline(v1), 0, 1L);

    Decision stop = decider.decide(input(spec, 2, running, pod(1, 1, Phase.RUNNING), T0.plusSeconds(60), incompatible, List.of()));
    assertThat(stop.actions()).containsExactly(new Action.StopDriver("clicks-driver-1", 90));
    assertThat(stop.status().checkpoint().epoch()).as("recorded before the stop").isEqualTo(1);
    Decision start = decider.decide(input(spec, 2, stop.status(), null, T0.plusSeconds(70), incompatible, List.of()));
    assertStarts(start, 2, 1);
    assertThat(start.status().checkpoint().location()).isEqualTo("/checkpoints/ns/epoch-1/clicks");
  }

  @Test
  void suspendStopsTheDriverAndResumeStartsTheNextAttempt() {
    PipelineSpec spec = spec("");
    PipelineStatus running = decider.decide(input(spec, 1,
        decider.decide(input(spec, 1, null, null, T0)).status(), pod(1, 1, Phase.RUNNING), T0)).status();
    PipelineSpec suspended = spec("suspend: true");

    Decision stop = decider.decide(input(suspended, 2, running, pod(1, 1, Phase.RUNNING), T0.plusSeconds(10)));
    assertThat(stop.actions()).containsExactly(new Action.StopDriver("clicks-driver-1", 90));
    assertThat(stop.status().phase()).isEqualTo("Suspended");
    Decision idle = decider.decide(input(suspended, 2, stop.status(), null, T0.plusSeconds(20)));
    assertThat(idle.actions()).isEmpty();
    assertThat(idle.requeueAfter()).isNull();
    assertThat(condition(idle, "Ready").reason()).isEqualTo("Suspended");

    Decision resume = decider.decide(input(spec, 3, idle.status(), null, T0.plusSeconds(30)));
    assertStarts(resume, 2, 0);
    assertThat(resume.status().phase()).isEqualTo("Starting");
  }

  @Test
  void invalidSpecStartsNothingAndNamesTheFields() {
    List<Problem> problems = List.of(Problem.at("spec.sinks[0].kafka.topic", "required"),
        Problem.at("spec.checkpoint", "required on Kubernetes"));
    Decision d = decider.decide(input(spec(""), 1, null, null, T0, CheckpointRecord.MISSING, problems));
    assertThat(d.actions()).isEmpty();
    assertThat(d.status().phase()).isEqualTo("Failed");
    assertThat(condition(d, "Ready").reason()).isEqualTo("InvalidSpec");
    assertThat(d.events()).singleElement().satisfies(e -> assertThat(e.message())
        .isEqualTo("2 problems: spec.sinks[0].kafka.topic: required; spec.checkpoint: required on Kubernetes"));
  }

  @Test
  void restartCountResetsAfterAHealthyPeriod() {
    PipelineSpec spec = spec("restartPolicy: {resetAfter: 10m}");
    PipelineStatus status = decider.decide(input(spec, 1, null, null, T0)).status();
    status = decider.decide(input(spec, 1, status, pod(1, 1, Phase.FAILED), T0.plusSeconds(1))).status();
    status = decider.decide(input(spec, 1, status, pod(1, 1, Phase.FAILED), T0.plusSeconds(30))).status();
    status = decider.decide(input(spec, 1, status, pod(2, 1, Phase.RUNNING), T0.plusSeconds(40))).status();
    assertThat(status.restarts().count()).isEqualTo(1);
    Decision later = decider.decide(input(spec, 1, status, pod(2, 1, Phase.RUNNING), T0.plusSeconds(40 + 600)));
    assertThat(later.status().restarts().count()).isZero();
    assertThat(later.events()).extracting(PipelineEvent::reason).containsExactly("RestartCountReset");
  }

  // ---- issue 17 probes: a refused spec never starts on the old checkpoint ----------------------

  static final PipelineSpec BY_PAGE = windowed("[page]", "");
  static final PipelineSpec BY_USER = windowed("[userId]", "");
  static final CheckpointRecord RAN_BY_PAGE = CheckpointRecord.of(pipeline(BY_PAGE), 0, 1L);

  static void assertRefusedNotStarted(Decision d) {
    assertThat(d.actions()).as("nothing starts on the old checkpoint").isEmpty();
    assertThat(condition(d, "Ready").status()).isEqualTo("False");
    assertThat(condition(d, "Ready").reason()).isEqualTo("IncompatibleChange");
    assertThat(condition(d, "Ready").message()).contains("spec.transforms[0].window.groupBy");
  }

  @Test
  void probeA_refusedChangeDoesNotStartWhenTheOldDriverFails() {
    PipelineStatus refused = decider.decide(input(BY_USER, 2, running(BY_PAGE), pod(1, 1, Phase.RUNNING),
        T0.plusSeconds(60), RAN_BY_PAGE, List.of())).status();
    Decision afterFailure = decider.decide(input(BY_USER, 2, refused, pod(1, 1, Phase.FAILED), T0.plusSeconds(120),
        RAN_BY_PAGE, List.of()));
    assertRefusedNotStarted(afterFailure);
    assertThat(afterFailure.status().phase()).isEqualTo("Failed");

    // reverting the spec (generation 3, compatible with what ran) starts again, on the same epoch
    Decision reverted = decider.decide(input(BY_PAGE, 3, afterFailure.status(), pod(1, 1, Phase.FAILED),
        T0.plusSeconds(130), RAN_BY_PAGE, List.of()));
    assertStarts(reverted, 2, 0);
  }

  @Test
  void probeB_resumeWithAnIncompatibleEditIsRefused() {
    PipelineSpec suspended = windowed("[page]", "suspend: true");
    PipelineStatus stopping = decider.decide(input(suspended, 2, running(BY_PAGE), pod(1, 1, Phase.RUNNING),
        T0.plusSeconds(10), RAN_BY_PAGE, List.of())).status();
    PipelineStatus idle = decider.decide(input(suspended, 2, stopping, null, T0.plusSeconds(20), RAN_BY_PAGE, List.of())).status();
    assertRefusedNotStarted(decider.decide(input(BY_USER, 3, idle, null, T0.plusSeconds(30), RAN_BY_PAGE, List.of())));
  }

  @Test
  void probeC_unknownCheckpointSpecFailsClosed() {
    PipelineStatus running = running(BY_PAGE);
    for (CheckpointRecord unknown : List.of(CheckpointRecord.MISSING, CheckpointRecord.unreadable(0))) {
      Decision upgrade = decider.decide(input(BY_PAGE, 2, running, pod(1, 1, Phase.RUNNING), T0.plusSeconds(60), unknown, List.of()));
      assertThat(upgrade.actions()).as("the running driver is kept").isEmpty();
      assertThat(condition(upgrade, "Ready").reason()).isEqualTo("UnknownCheckpointSpec");
      Decision restart = decider.decide(input(BY_PAGE, 1, running, pod(1, 1, Phase.FAILED), T0.plusSeconds(60), unknown, List.of()));
      restart = decider.decide(input(BY_PAGE, 1, restart.status(), pod(1, 1, Phase.FAILED), T0.plusSeconds(90), unknown, List.of()));
      assertThat(restart.actions()).isEmpty();
      assertThat(condition(restart, "Ready").reason()).isEqualTo("UnknownCheckpointSpec");
      assertThat(condition(restart, "Ready").message()).contains("ConfigMap clicks-spec is "
          + (unknown.state() == CheckpointRecord.State.MISSING ? "missing" : "unreadable"));
    }
    // the way out: a fresh checkpoint epoch
    PipelineSpec reset = windowed("[page]", "upgrade: {onIncompatibleChange: resetCheckpoint}");
    Decision stop = decider.decide(input(reset, 2, running, pod(1, 1, Phase.RUNNING), T0.plusSeconds(60), CheckpointRecord.MISSING, List.of()));
    assertThat(stop.status().checkpoint().epoch()).isEqualTo(1);
  }

  @Test
  void probeD_aResetRecordedBeforeTheStopResumesAfterAnOperatorCrash() {
    PipelineSpec reset = windowed("[userId]", "upgrade: {onIncompatibleChange: resetCheckpoint}");
    Decision stop = decider.decide(input(reset, 2, running(BY_PAGE), pod(1, 1, Phase.RUNNING), T0.plusSeconds(60), RAN_BY_PAGE, List.of()));
    assertThat(stop.actions()).containsExactly(new Action.StopDriver("clicks-driver-1", 90));
    // status (epoch 1) was written before the stop; the operator dies; the old pod is gone when it is back
    Decision resumed = decider.decide(input(reset, 2, stop.status(), null, T0.plusSeconds(200), RAN_BY_PAGE, List.of()));
    assertStarts(resumed, 2, 1);
    // even had the status write been lost, the planner refuses epoch 0 and resets again
    Decision lost = decider.decide(input(reset, 2, running(BY_PAGE), null, T0.plusSeconds(200), RAN_BY_PAGE, List.of()));
    lost = decider.decide(input(reset, 2, lost.status(), null, T0.plusSeconds(300), RAN_BY_PAGE, List.of()));
    assertStarts(lost, 2, 1);
  }

  @Test
  void probeE_anIncompatibleEditDuringACompatibleRolloutIsRefused() {
    PipelineSpec compatible = windowed("[page]", "upgrade: {stopTimeout: 30s}");
    Decision stop = decider.decide(input(compatible, 2, running(BY_PAGE), pod(1, 1, Phase.RUNNING), T0.plusSeconds(60), RAN_BY_PAGE, List.of()));
    assertThat(stop.actions()).hasSize(1);
    Decision waiting = decider.decide(input(BY_USER, 3, stop.status(), pod(1, 1, Phase.TERMINATING), T0.plusSeconds(61), RAN_BY_PAGE, List.of()));
    assertThat(waiting.actions()).isEmpty();
    assertRefusedNotStarted(decider.decide(input(BY_USER, 3, waiting.status(), null, T0.plusSeconds(70), RAN_BY_PAGE, List.of())));
  }

  @Test
  void aResetIntoTheSameFilesPathIsRefused() {
    String files = "files: {path: \"s3a://b/out\"}";
    PipelineSpec v1 = windowed("[page]", files, "");
    PipelineSpec v2 = windowed("[userId]", files, "upgrade: {onIncompatibleChange: resetCheckpoint}");
    Decision d = decider.decide(input(v2, 2, running(v1), pod(1, 1, Phase.RUNNING), T0.plusSeconds(60),
        CheckpointRecord.of(pipeline(v1), 0, 1L), List.of()));
    assertThat(d.actions()).isEmpty();
    assertThat(condition(d, "Ready").reason()).isEqualTo("ResetNeedsNewOutputPath");
    assertThat(condition(d, "Ready").message()).contains("give spec.sinks[0].files.path (s3a://b/out) a new path");
  }

  // ---- failures reach status, and only what a retry can fix is retried ------------------------

  @Test
  void exitCodesTwoAndThreeAreNotRetried() {
    PipelineStatus running = running(BY_PAGE);
    for (int exit : new int[] {2, 3}) {
      ObservedDriver refused = new ObservedDriver("clicks-driver-1", 1, 1, Phase.FAILED,
          "exit code " + exit + " (Error): spec.transforms[0].window.groupBy: changed", exit, null);
      Decision d = decider.decide(input(BY_PAGE, 1, running, refused, T0.plusSeconds(60)));
      assertThat(d.actions()).isEmpty();
      assertThat(d.status().phase()).isEqualTo("Failed");
      assertThat(condition(d, "Ready").reason()).isEqualTo(exit == 2 ? "RunnerRefusedSpec" : "IncompatibleCheckpoint");
      assertThat(d.status().message()).contains("spec.transforms[0].window.groupBy: changed", "none is attempted");
      assertThat(d.requeueAfter()).isNull();
      assertThat(decider.decide(input(BY_PAGE, 1, d.status(), refused, T0.plusSeconds(900))).actions()).isEmpty();
    }
  }

  @Test
  void aRefusedCreateReachesStatusAndTheRetryIsANewAttempt() {
    PipelineSpec spec = spec("restartPolicy: {initialBackoff: 5s}");
    ReconcileInput first = input(spec, 1, null, null, T0);
    Decision intended = decider.decide(first);
    Decision failed = decider.actionFailed(first, intended.status(), intended.actions().get(0),
        "pods \"clicks-driver-1\" is forbidden: violates PodSecurity \"restricted:latest\"");
    assertThat(failed.status().phase()).isEqualTo("Restarting");
    assertThat(condition(failed, "Ready").reason()).isEqualTo("StartFailed");
    assertThat(condition(failed, "Ready").message()).startsWith("could not create driver clicks-driver-1: pods \"clicks-driver-1\" is forbidden");
    assertThat(failed.events()).extracting(PipelineEvent::reason).containsExactly("StartFailed");
    assertThat(failed.requeueAfter()).isEqualTo(Duration.ofSeconds(5));

    // the spec is fixed (generation 2): attempt 2, never attempt 1's objects again
    Decision fixed = decider.decide(input(spec, 2, failed.status(), null, T0.plusSeconds(1)));
    assertStarts(fixed, 2, 0);
  }

  @Test
  void anInterruptedStartIsResumedNotGuessed() {
    PipelineSpec spec = spec("");
    Decision intended = decider.decide(input(spec, 1, null, null, T0));
    // status was written, the operator died before the pod was created
    Decision resumed = decider.decide(input(spec, 1, intended.status(), null, T0.plusSeconds(5)));
    assertStarts(resumed, 1, 0);
    assertThat(resumed.status().restarts().countOrZero()).isZero();
  }

  @Test
  void aStuckPendingDriverSaysWhyAndIsReplacedAfterStartTimeout() {
    PipelineSpec spec = spec("restartPolicy: {startTimeout: 5m}");
    PipelineStatus starting = decider.decide(input(spec, 1, null, null, T0)).status();
    ObservedDriver pulling = new ObservedDriver("clicks-driver-1", 1, 1, Phase.PENDING, null, null,
        new PodWaiting.Reason("ImagePullBackOff", "Back-off pulling image \"runner:nope\""));
    Decision stuck = decider.decide(input(spec, 1, starting, pulling, T0.plusSeconds(60)));
    assertThat(stuck.status().message()).isEqualTo("driver clicks-driver-1 is starting: ImagePullBackOff: Back-off pulling image \"runner:nope\"");
    assertThat(condition(stuck, "Ready").reason()).isEqualTo("ImagePullBackOff");
    assertThat(condition(stuck, "Degraded").status()).isEqualTo("True");
    assertThat(stuck.events()).extracting(PipelineEvent::reason).containsExactly("ImagePullBackOff");

    Decision timedOut = decider.decide(input(spec, 1, stuck.status(), pulling, T0.plusSeconds(301)));
    assertThat(timedOut.actions()).containsExactly(new Action.StopDriver("clicks-driver-1", 0));
    assertThat(timedOut.status().phase()).isEqualTo("Restarting");
    assertThat(timedOut.status().restarts().lastReason()).isEqualTo(
        "driver clicks-driver-1 did not start within 5m (ImagePullBackOff: Back-off pulling image \"runner:nope\")");
  }

  @Test
  void readyOnlyAfterTheFirstBatchAndNoRatesWithoutADriver() {
    PipelineStatus running = running(spec(""));
    assertThat(running.conditions()).filteredOn(c -> c.type().equals("Ready"))
        .singleElement().satisfies(c -> assertThat(c.reason()).isEqualTo("WaitingForFirstBatch"));
    PipelineStatus withProgress = running.withProgress(
        new ProgressStatus(20.0, 20.0, 0L, 2, T0.plusSeconds(30).toString()), null, running.conditions());
    Decision ready = decider.decide(input(spec(""), 1, withProgress, pod(1, 1, Phase.RUNNING), T0.plusSeconds(40)));
    assertThat(condition(ready, "Ready").status()).isEqualTo("True");

    Decision restarting = decider.decide(input(spec(""), 1, ready.status(), pod(1, 1, Phase.FAILED), T0.plusSeconds(50)));
    assertThat(restarting.status().progress().inputRowsPerSecond()).isNull();
    assertThat(restarting.status().progress().executors()).isNull();
    assertThat(restarting.status().progress().lastBatchAt()).isEqualTo(T0.plusSeconds(30).toString());
  }

  @Test
  void theRunnerAdoptsAnOldCheckpointOnlyWhenTheOperatorCheckedTheSpec() {
    Decision first = decider.decide(input(BY_PAGE, 1, null, null, T0, CheckpointRecord.MISSING, List.of()));
    assertThat(first.actions()).containsExactly(new Action.StartDriver(1, 0, false));
    Decision restart = decider.decide(input(BY_PAGE, 1, running(BY_PAGE), pod(1, 1, Phase.FAILED), T0.plusSeconds(60), RAN_BY_PAGE, List.of()));
    restart = decider.decide(input(BY_PAGE, 1, restart.status(), pod(1, 1, Phase.FAILED), T0.plusSeconds(120), RAN_BY_PAGE, List.of()));
    assertThat(restart.actions()).containsExactly(new Action.StartDriver(2, 0, true));
  }

  // ---- found in review: no endless retries, no lost attempts, no pending forever ---------------

  @Test
  void aCreateRefusedAgainAndAgainGivesUpAtMaxRestarts() {
    PipelineSpec spec = spec("restartPolicy: {maxRestarts: 2, initialBackoff: 10s}");
    PipelineStatus status = running(spec);
    status = decider.decide(input(spec, 1, status, pod(1, 1, Phase.FAILED), T0.plusSeconds(5))).status();
    // the user fixes something (generation 2) while pod 1 stays Failed; every create is refused
    Instant now = T0.plusSeconds(20);
    Decision d = null;
    for (int i = 0; i < 10; i++) {
      ReconcileInput in = input(spec, 2, status, pod(1, 1, Phase.FAILED), now);
      d = decider.decide(in);
      if (d.actions().isEmpty()) {
        status = d.status();
        now = now.plus(d.requeueAfter() == null ? Duration.ofSeconds(1) : d.requeueAfter()).plusSeconds(1);
        if ("Failed".equals(status.phase())) {
          break;
        }
        continue;
      }
      assertThat(d.actions().get(0)).isInstanceOf(Action.StartDriver.class);
      d = decider.actionFailed(in, d.status(), d.actions().get(0), "pods is forbidden: exceeded quota");
      status = d.status();
      now = now.plus(d.requeueAfter() == null ? Duration.ofSeconds(1) : d.requeueAfter());
    }
    assertThat(status.phase()).as("gives up instead of retrying forever").isEqualTo("Failed");
    assertThat(condition(new Decision(List.of(), status, List.of(), null), "Ready").reason()).isEqualTo("StartFailed");
  }

  @Test
  void aRestartInterruptedBeforeItsPodIsResumedNotCountedTwice() {
    PipelineSpec spec = spec("restartPolicy: {initialBackoff: 10s}");
    PipelineStatus status = decider.decide(input(spec, 1, running(spec), pod(1, 1, Phase.FAILED), T0.plusSeconds(5))).status();
    Decision restart = decider.decide(input(spec, 1, status, pod(1, 1, Phase.FAILED), T0.plusSeconds(16)));
    assertStarts(restart, 2, 0);
    // intent written, operator dies before pod 2 exists; pod 1 (Failed) is still there
    Decision resumed = decider.decide(input(spec, 1, restart.status(), pod(1, 1, Phase.FAILED), T0.plusSeconds(20)));
    assertStarts(resumed, 2, 0);
    assertThat(resumed.status().restarts().count()).isEqualTo(restart.status().restarts().count());
  }

  @Test
  void anAdoptedDriverThatStaysPendingTimesOut() {
    PipelineSpec spec = spec("restartPolicy: {startTimeout: 5m}");
    ObservedDriver pending = new ObservedDriver("clicks-driver-1", 1, 1, Phase.PENDING, null, null,
        new PodWaiting.Reason("ImagePullBackOff", "Back-off pulling image"));
    // status lost: the driver is adopted from its labels
    PipelineStatus adopted = decider.decide(input(spec, 1, null, pending, T0)).status();
    assertThat(decider.decide(input(spec, 1, adopted, pending, T0.plusSeconds(301))).actions())
        .containsExactly(new Action.StopDriver("clicks-driver-1", 0));
  }

  @Test
  void anUnknownCheckpointSpecIsLookedAtAgainWhenNothingRuns() {
    Decision d = decider.decide(input(BY_PAGE, 1, running(BY_PAGE), null, T0.plusSeconds(60), CheckpointRecord.MISSING, List.of()));
    d = decider.decide(input(BY_PAGE, 1, d.status(), null, T0.plusSeconds(90), CheckpointRecord.MISSING, List.of()));
    assertThat(condition(d, "Ready").reason()).isEqualTo("UnknownCheckpointSpec");
    assertThat(d.requeueAfter()).as("a restored ConfigMap is not watched").isNotNull();
  }
}
