package dev.pipelines.streaming.operator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.compat.CompatibilityReport;
import dev.pipelines.streaming.api.compat.Incompatibility;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.operator.reconcile.Action;
import dev.pipelines.streaming.operator.reconcile.Decider;
import dev.pipelines.streaming.operator.reconcile.Decision;
import dev.pipelines.streaming.operator.reconcile.ObservedDriver;
import dev.pipelines.streaming.operator.reconcile.ObservedDriver.Phase;
import dev.pipelines.streaming.operator.reconcile.PipelineEvent;
import dev.pipelines.streaming.operator.reconcile.ReconcileInput;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;
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

  static ReconcileInput input(PipelineSpec spec, long generation, PipelineStatus status, ObservedDriver driver,
      Instant now) {
    return input(spec, generation, status, driver, now, null, List.of());
  }

  static ReconcileInput input(PipelineSpec spec, long generation, PipelineStatus status, ObservedDriver driver,
      Instant now, Supplier<CompatibilityReport> compat, List<Problem> problems) {
    return new ReconcileInput("ns", "clicks", generation, spec, status, problems, driver, compat, now);
  }

  static ObservedDriver pod(int attempt, long generation, Phase phase) {
    return new ObservedDriver("clicks-driver-" + attempt, attempt, generation, phase,
        phase == Phase.FAILED ? "exit code 1 (Error): StreamingQueryException: boom" : null,
        phase == Phase.FAILED ? "line 1\nline 2" : null);
  }

  static Condition condition(Decision d, String type) {
    return d.status().conditions().stream().filter(c -> c.type().equals(type)).findFirst().orElseThrow();
  }

  @Test
  void firstReconcileStartsAttemptOneInEpochZero() {
    Decision d = decider.decide(input(spec(""), 1, null, null, T0));
    assertThat(d.actions()).containsExactly(new Action.StartDriver(1, 0));
    assertThat(d.status().phase()).isEqualTo("Starting");
    assertThat(d.status().observedGeneration()).isEqualTo(1);
    assertThat(d.status().driver().podName()).isEqualTo("clicks-driver-1");
    assertThat(d.status().checkpoint().location()).isEqualTo("/checkpoints/ns/epoch-0/clicks");
    assertThat(d.events()).extracting(PipelineEvent::reason).containsExactly("DriverCreated");
    assertThat(d.requeueAfter()).isEqualTo(Duration.ofSeconds(30));
  }

  @Test
  void runningDriverMakesThePipelineReady() {
    PipelineStatus starting = decider.decide(input(spec(""), 1, null, null, T0)).status();
    Decision d = decider.decide(input(spec(""), 1, starting, pod(1, 1, Phase.RUNNING), T0.plusSeconds(20)));
    assertThat(d.actions()).isEmpty();
    assertThat(d.status().phase()).isEqualTo("Running");
    assertThat(condition(d, "Ready").status()).isEqualTo("True");
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
    assertThat(restart.actions()).containsExactly(new Action.StartDriver(2, 0));
    assertThat(restart.status().restarts().count()).isEqualTo(1);

    // attempt 2 fails: the wait doubles, capped at maxBackoff (20s -> 15s)
    Decision second = decider.decide(input(spec, 1, restart.status(), pod(2, 1, Phase.FAILED), T0.plusSeconds(60)));
    assertThat(second.requeueAfter()).isEqualTo(Duration.ofSeconds(15));
    Decision third = decider.decide(input(spec, 1, second.status(), pod(2, 1, Phase.FAILED), T0.plusSeconds(80)));
    assertThat(third.actions()).containsExactly(new Action.StartDriver(3, 0));

    // attempt 3 fails with 2 restarts used: Failed, with the reason and the log tail
    Decision failed = decider.decide(input(spec, 1, third.status(), pod(3, 1, Phase.FAILED), T0.plusSeconds(99)));
    assertThat(failed.actions()).isEmpty();
    assertThat(failed.status().phase()).isEqualTo("Failed");
    assertThat(failed.status().message()).isEqualTo("driver clicks-driver-3 failed: exit code 1 (Error): "
        + "StreamingQueryException: boom; gave up after 2 restarts. Log tail:\nline 1\nline 2");
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
        () -> new CompatibilityReport(List.of()), List.of()));
    assertThat(stop.actions()).containsExactly(new Action.StopDriver("clicks-driver-1", 45));
    assertThat(stop.status().phase()).isEqualTo("Upgrading");
    assertThat(stop.status().message()).isEqualTo("stopping driver clicks-driver-1 after its current batch to roll out"
        + " generation 2 on the same checkpoint");

    Decision waiting = decider.decide(input(spec, 2, stop.status(), pod(1, 1, Phase.TERMINATING), T0.plusSeconds(61)));
    assertThat(waiting.actions()).isEmpty();
    assertThat(waiting.status().phase()).isEqualTo("Upgrading");

    Decision start = decider.decide(input(spec, 2, waiting.status(), null, T0.plusSeconds(70)));
    assertThat(start.actions()).containsExactly(new Action.StartDriver(2, 0));
    assertThat(start.status().driver().specGeneration()).isEqualTo(2);
    assertThat(start.status().restarts().countOrZero()).isZero();
  }

  @Test
  void incompatibleChangeIsRefusedAndTheOldDriverKeepsRunning() {
    PipelineSpec spec = spec("");
    PipelineStatus running = decider.decide(input(spec, 1,
        decider.decide(input(spec, 1, null, null, T0)).status(), pod(1, 1, Phase.RUNNING), T0)).status();
    Supplier<CompatibilityReport> incompatible = () -> new CompatibilityReport(List.of(new Incompatibility(
        "spec.transforms[0].window.groupBy", "changed from [page] to [page, userId]; grouping keys are the state's keys")));

    Decision d = decider.decide(input(spec, 2, running, pod(1, 1, Phase.RUNNING), T0.plusSeconds(60), incompatible, List.of()));
    assertThat(d.actions()).isEmpty();
    assertThat(d.status().phase()).isEqualTo("Running");
    Condition ready = condition(d, "Ready");
    assertThat(ready.status()).isEqualTo("False");
    assertThat(ready.reason()).isEqualTo("IncompatibleChange");
    assertThat(ready.message()).contains("spec.transforms[0].window.groupBy: changed from [page] to [page, userId]")
        .contains("The driver keeps running generation 1");
    assertThat(d.events()).extracting(PipelineEvent::reason).containsExactly("IncompatibleChange");

    Decision again = decider.decide(input(spec, 2, d.status(), pod(1, 1, Phase.RUNNING), T0.plusSeconds(90), incompatible, List.of()));
    assertThat(again.events()).as("one event per change, not per reconcile").isEmpty();
  }

  @Test
  void incompatibleChangeWithResetCheckpointMovesToANewEpoch() {
    PipelineSpec spec = spec("upgrade: {onIncompatibleChange: resetCheckpoint}");
    PipelineStatus running = decider.decide(input(spec, 1,
        decider.decide(input(spec, 1, null, null, T0)).status(), pod(1, 1, Phase.RUNNING), T0)).status();
    Supplier<CompatibilityReport> incompatible = () -> new CompatibilityReport(List.of(new Incompatibility("spec.x", "y")));

    Decision stop = decider.decide(input(spec, 2, running, pod(1, 1, Phase.RUNNING), T0.plusSeconds(60), incompatible, List.of()));
    assertThat(stop.actions()).containsExactly(new Action.StopDriver("clicks-driver-1", 60));
    assertThat(stop.status().checkpoint().epoch()).isEqualTo(1);
    Decision start = decider.decide(input(spec, 2, stop.status(), null, T0.plusSeconds(70)));
    assertThat(start.actions()).containsExactly(new Action.StartDriver(2, 1));
    assertThat(start.status().checkpoint().location()).isEqualTo("/checkpoints/ns/epoch-1/clicks");
  }

  @Test
  void suspendStopsTheDriverAndResumeStartsTheNextAttempt() {
    PipelineSpec spec = spec("");
    PipelineStatus running = decider.decide(input(spec, 1,
        decider.decide(input(spec, 1, null, null, T0)).status(), pod(1, 1, Phase.RUNNING), T0)).status();
    PipelineSpec suspended = spec("suspend: true");

    Decision stop = decider.decide(input(suspended, 2, running, pod(1, 1, Phase.RUNNING), T0.plusSeconds(10)));
    assertThat(stop.actions()).containsExactly(new Action.StopDriver("clicks-driver-1", 60));
    assertThat(stop.status().phase()).isEqualTo("Suspended");
    Decision idle = decider.decide(input(suspended, 2, stop.status(), null, T0.plusSeconds(20)));
    assertThat(idle.actions()).isEmpty();
    assertThat(idle.requeueAfter()).isNull();
    assertThat(condition(idle, "Ready").reason()).isEqualTo("Suspended");

    Decision resume = decider.decide(input(spec, 3, idle.status(), null, T0.plusSeconds(30)));
    assertThat(resume.actions()).containsExactly(new Action.StartDriver(2, 0));
    assertThat(resume.status().phase()).isEqualTo("Starting");
  }

  @Test
  void invalidSpecStartsNothingAndNamesTheFields() {
    List<Problem> problems = List.of(Problem.at("spec.sinks[0].kafka.topic", "required"),
        Problem.at("spec.checkpoint", "required on Kubernetes"));
    Decision d = decider.decide(input(spec(""), 1, null, null, T0, null, problems));
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
}
