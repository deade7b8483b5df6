package dev.pipelines.streaming.autoscaler;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The scaling rules as tables: load in (injected metrics, a controlled clock), executor count
 * and reason out.
 */
class AutoscalerTest {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  static final ScalingPolicy POLICY = new ScalingPolicy(1, 10, 0.7, Duration.ofMinutes(5), Duration.ofMinutes(1),
      Duration.ofMinutes(5), Duration.ofMinutes(2), 1, 1.0);
  /** Each executor processes 500 rows per busy second in these tables. */
  static final double RATE = 500;
  final Autoscaler autoscaler = new Autoscaler();

  /** Two minutes of 10-second batches at the given input rate, ending at {@code end}, on {@code executors}. */
  static List<ProgressSample> load(Instant end, double inputRate, int executors, long backlog, Integer tasks) {
    return load(end, inputRate, executors, backlog, tasks, RATE);
  }

  static List<ProgressSample> load(Instant end, double inputRate, int executors, long backlog, Integer tasks,
      double ratePerExecutor) {
    List<ProgressSample> samples = new ArrayList<>();
    for (int i = 11; i >= 0; i--) {
      long rows = (long) (inputRate * 10);
      long busyMillis = (long) (rows / (ratePerExecutor * executors) * 1000);
      samples.add(new ProgressSample(end.minusSeconds(10L * i), inputRate, rows, busyMillis, busyMillis * executors, backlog,
          tasks, executors));
    }
    return samples;
  }

  static ExecutorCounts running(int n) {
    return new ExecutorCounts(n, n, 0);
  }

  ScalingDecision decide(double inputRate, int current, long backlog, ScalingState state, Instant now) {
    return autoscaler.decide(POLICY, load(now, inputRate, current, backlog, null), running(current), state, now);
  }

  @Test
  void steadyLoadThatFitsIsLeftAlone() {
    ScalingDecision d = decide(1000, 3, 0, ScalingState.INITIAL, T0);
    assertThat(d.scale()).isFalse();
    assertThat(d.reason()).isEqualTo("input 1000 rows/s, backlog 0, 500 rows/s per executor, utilization 67%: 3 fit the load");
  }

  @Test
  void fiveTimesTheLoadScalesUpAtOnceCappedAtMax() {
    ScalingDecision d = decide(5000, 3, 0, ScalingState.INITIAL, T0);
    assertThat(d.scale()).isTrue();
    assertThat(d.desired()).isEqualTo(10); // ceil(5000 / (500 * 0.7)) = 15, max 10
    assertThat(d.reason()).endsWith("needs 10 (capped at 10)");
    assertThat(d.applied().lastScaleTime()).isEqualTo(T0);
    ScalingState.ScaleUp up = d.applied().unverifiedScaleUp();
    assertThat(List.of(up.at(), up.from(), up.to())).containsExactly(T0, 3, 10);
    assertThat(up.processingRateBefore()).isCloseTo(1500, org.assertj.core.data.Offset.offset(1.0));
    assertThat(d.held().lastScaleTime()).as("a dry run keeps no scale time").isNull();
  }

  @Test
  void theBacklogSummedOverPartitionsIsClearedWithinCatchUp() {
    // 1000 rows/s plus 600,000 behind / 300 s = 3000 rows/s -> ceil(3000 / 350) = 9
    ScalingDecision d = decide(1000, 3, 600_000, ScalingState.INITIAL, T0);
    assertThat(d.desired()).isEqualTo(9);
    assertThat(d.reason()).startsWith("input 1000 rows/s, backlog 600000");
  }

  @Test
  void backlogModeAQuietSourceWithABacklogStillScalesUp() {
    // 300 rows/s arriving, 300,000 behind: 300 + 300,000 / 300 s = 1300 rows/s -> ceil(1300 / 350)
    ScalingDecision d = decide(300, 1, 300_000, ScalingState.INITIAL, T0);
    assertThat(d.desired()).isEqualTo(4);
  }

  @Test
  void theDriversFixedShareOfEachBatchIsNotTakenForExecutorWork() {
    // 100 rows/s on 3 executors: each 2-second batch takes 1.2 s, nearly all of it the driver's
    // planning and commits; the executors' tasks ran 60 ms in all
    List<ProgressSample> light = new ArrayList<>();
    for (int i = 14; i >= 0; i--) {
      light.add(new ProgressSample(T0.minusSeconds(2L * i), 100, 200, 1200, 60L, 0, 4, 3));
    }
    ScalingDecision d = autoscaler.decide(POLICY, light, running(3), ScalingState.INITIAL, T0);
    assertThat(d.desired()).isEqualTo(1);
    assertThat(d.reason()).startsWith("input 100 rows/s, backlog 0, 3333 rows/s per executor, utilization 1%");
    // batch time x executors would have called the same pipeline 60% busy and kept 3
    List<ProgressSample> withoutTaskTimes = light.stream().map(s -> new ProgressSample(s.at(), s.inputRowsPerSecond(),
        s.numInputRows(), s.busyMillis(), null, s.backlog(), s.usefulTasks(), s.executors())).toList();
    ScalingDecision old = autoscaler.decide(POLICY, withoutTaskTimes, running(3), ScalingState.INITIAL, T0);
    assertThat(old.scale()).isFalse();
    assertThat(old.reason()).contains("utilization 60%");
  }

  @Test
  void noScaleDownWhileTheBacklogIsAboveTarget() {
    ScalingDecision d = decide(200, 5, 10_000, ScalingState.INITIAL, T0);
    assertThat(d.scale()).isFalse();
    assertThat(d.reason()).endsWith("backlog above target, no scale-down");
  }

  @Test
  void moreExecutorsThanUsefulTasksPerCoreDoNotHelp() {
    // 5000 rows/s needs 15, but stages of 4 tasks on 1-core executors cap it at 4
    ScalingDecision up = autoscaler.decide(POLICY, load(T0, 5000, 2, 0, 4), running(2), ScalingState.INITIAL, T0);
    assertThat(up.desired()).isEqualTo(4);
    ScalingDecision atCap = autoscaler.decide(POLICY, load(T0, 5000, 4, 0, 4), running(4), ScalingState.INITIAL, T0);
    assertThat(atCap.scale()).isFalse();
    // two cores per executor: 4 tasks fill 2 executors
    ScalingPolicy twoCores = new ScalingPolicy(1, 10, 0.7, Duration.ofMinutes(5), Duration.ofMinutes(1),
        Duration.ofMinutes(5), Duration.ofMinutes(2), 2, 1.0);
    assertThat(autoscaler.decide(twoCores, load(T0, 5000, 1, 0, 4), running(1), ScalingState.INITIAL, T0).desired())
        .isEqualTo(2);
  }

  @Test
  void pendingExecutorsBlockNewRequestsAndDoNotLowerTheRatePerExecutor() {
    // asked for 6, 2 registered: the rate is per registered executor, and nothing more is asked
    List<ProgressSample> samples = load(T0, 5000, 2, 0, null);
    ScalingDecision d = autoscaler.decide(POLICY, samples, new ExecutorCounts(6, 2, 4), ScalingState.INITIAL, T0);
    assertThat(d.scale()).isFalse();
    assertThat(d.reason()).isEqualTo("input 5000 rows/s, backlog 0, 500 rows/s per executor, utilization 500%: "
        + "needs 10 (capped at 10), but 4 requested executor(s) are not registered yet");
  }

  @Test
  void pendingExecutorsDoNotBlockAScaleDown() {
    ScalingDecision d = autoscaler.decide(POLICY, load(T0, 100, 2, 0, null), new ExecutorCounts(6, 2, 4),
        ScalingState.INITIAL, T0);
    assertThat(d.scale()).isTrue();
    assertThat(d.desired()).isEqualTo(1);
  }

  @Test
  void anIneffectiveScaleUpIsReportedOnceAndBlocksFurtherScaleUpsForAWindow() {
    // 1000 rows/s plus 300,000 behind: 2 executors are not enough
    ScalingDecision up = decide(1000, 2, 300_000, ScalingState.INITIAL, T0);
    assertThat(up.desired()).isEqualTo(6);
    assertThat(up.applied().unverifiedScaleUp().processingRateBefore()).isCloseTo(1000, org.assertj.core.data.Offset.offset(1.0));
    // two minutes later 6 executors run and the backlog is still there, but together they are
    // no faster than 2 were (a bottleneck elsewhere): per executor, 1000 / 6 rows per busy second
    Instant later = T0.plus(Duration.ofMinutes(2));
    List<ProgressSample> after = load(later, 1000, 6, 300_000, null, 1000.0 / 6);
    ScalingDecision judged = autoscaler.decide(POLICY, after, running(6), up.applied(), later);
    assertThat(judged.warning()).isEqualTo("scaling up from 2 to 6 executors raised the processing rate from 1000 "
        + "to 1000 rows/s; about 3000 was expected. No further scale-up for PT5M or until a scale-down: the "
        + "bottleneck is elsewhere (a sink, a skewed partition, the driver)");
    assertThat(judged.scale()).isFalse();
    assertThat(judged.reason()).endsWith("but scaling up from 2 to 6 was ineffective; no further scale-up for now");
    // said once: the next decision holds for the same reason without a new warning
    Instant next = later.plusSeconds(30);
    ScalingDecision again = autoscaler.decide(POLICY, load(next, 1000, 6, 300_000, null, 1000.0 / 6), running(6),
        judged.held(), next);
    assertThat(again.warning()).isNull();
    assertThat(again.scale()).isFalse();
    // one scale-down stabilization window after the verdict, scale-up may be tried again
    Instant expired = later.plus(POLICY.downStabilization());
    ScalingDecision retry = autoscaler.decide(POLICY, load(expired, 1000, 6, 300_000, null, 1000.0 / 6), running(6),
        again.held(), expired);
    assertThat(retry.scale()).isTrue();
    assertThat(retry.desired()).isEqualTo(10);
  }

  @Test
  void aScaleUpThatCaughtUpIsForgottenOnceJudged() {
    ScalingDecision up = decide(1000, 2, 300_000, ScalingState.INITIAL, T0);
    Instant later = T0.plus(Duration.ofMinutes(2));
    ScalingDecision judged = autoscaler.decide(POLICY, load(later, 1000, 6, 0, null), running(6), up.applied(), later);
    assertThat(judged.warning()).isNull();
    assertThat(judged.held().unverifiedScaleUp()).isNull();
    assertThat(judged.held().ineffectiveScaleUp()).isNull();
  }

  @Test
  void executorsPendingLongerThanTheTimeoutAreGivenUp() {
    ScalingState asked = new ScalingState(T0, List.of(), null, null); // asked for 6 at T0
    Instant later = T0.plus(Autoscaler.PENDING_TIMEOUT);
    ScalingDecision d = autoscaler.decide(POLICY, load(later, 5000, 2, 0, null), new ExecutorCounts(6, 2, 4), asked, later);
    assertThat(d.scale()).isTrue();
    assertThat(d.desired()).isEqualTo(2);
    assertThat(d.reason()).endsWith("4 requested executor(s) still not registered after 5m (a quota or a full node?); "
        + "request lowered to the 2 registered");
    // before the timeout it only waits
    ScalingDecision early = autoscaler.decide(POLICY, load(later.minusSeconds(1), 5000, 2, 0, null),
        new ExecutorCounts(6, 2, 4), asked, later.minusSeconds(1));
    assertThat(early.scale()).isFalse();
  }

  @Test
  void anExecutorRegisteredBeyondTheRequestIsCountedAndCanBeScaledAway() {
    // Spark started a pod it was about to cancel: 3 registered, 2 requested, little load
    ScalingDecision d = autoscaler.decide(POLICY, load(T0, 100, 3, 0, null), new ExecutorCounts(2, 3, 0),
        ScalingState.INITIAL, T0);
    assertThat(d.current()).isEqualTo(3);
    assertThat(d.scale()).isTrue();
    assertThat(d.desired()).isEqualTo(1);
  }

  @Test
  void aScaleUpIsNotJudgedBeforeItsExecutorsRegistered() {
    ScalingDecision up = decide(1000, 2, 300_000, ScalingState.INITIAL, T0);
    Instant later = T0.plus(Duration.ofMinutes(2));
    ScalingDecision d = autoscaler.decide(POLICY, load(later, 1000, 2, 300_000, null), new ExecutorCounts(6, 2, 4),
        up.applied(), later);
    assertThat(d.warning()).isNull();
    assertThat(d.held().unverifiedScaleUp()).isEqualTo(up.applied().unverifiedScaleUp());
  }

  @Test
  void dropScalesDownOnlyAfterTheStabilizationWindow() {
    ScalingState state = decide(5000, 3, 0, ScalingState.INITIAL, T0).applied(); // scaled to 10 at T0
    int current = 10;
    List<Integer> counts = new ArrayList<>();
    for (int minute = 1; minute <= 12; minute++) {
      Instant now = T0.plus(Duration.ofMinutes(minute));
      ScalingDecision d = decide(200, current, 0, state, now);
      state = d.scale() ? d.applied() : d.held();
      current = d.desired();
      counts.add(current);
    }
    // held while the scale-up's need of 10 is inside the 5-minute window, then straight to 1
    assertThat(counts).containsExactly(10, 10, 10, 10, 10, 1, 1, 1, 1, 1, 1, 1);
  }

  @Test
  void aMaximumScaleDownFactorRemovesExecutorsInSteps() {
    ScalingPolicy halfAtATime = new ScalingPolicy(1, 10, 0.7, Duration.ofMinutes(5), Duration.ofMinutes(1),
        Duration.ofMinutes(5), Duration.ofMinutes(2), 1, 0.5);
    ScalingDecision d = autoscaler.decide(halfAtATime, load(T0, 200, 10, 0, null), running(10), ScalingState.INITIAL, T0);
    assertThat(d.desired()).isEqualTo(5);
    assertThat(d.reason()).endsWith("needs 1; at most 50% fewer per scale-down, so 5");
  }

  @Test
  void aSmallScaleDownFactorStillRemovesOneExecutor() {
    ScalingPolicy tenPercent = new ScalingPolicy(1, 10, 0.7, Duration.ofMinutes(5), Duration.ofMinutes(1),
        Duration.ofMinutes(5), Duration.ofMinutes(2), 1, 0.1);
    ScalingDecision d = autoscaler.decide(tenPercent, load(T0, 200, 4, 0, null), running(4), ScalingState.INITIAL, T0);
    assertThat(d.desired()).isEqualTo(3);
  }

  @Test
  void aSubSecondCatchUpDurationStillCounts() {
    ScalingPolicy fast = new ScalingPolicy(1, 10, 0.7, Duration.ofMillis(500), Duration.ofMinutes(1),
        Duration.ofMinutes(5), Duration.ofMinutes(2), 1, 1.0);
    // 1000 rows/s plus 1,000 behind / 0.5 s = 3000 rows/s -> ceil(3000 / 350) = 9
    assertThat(autoscaler.decide(fast, load(T0, 1000, 3, 1000, null), running(3), ScalingState.INITIAL, T0).desired())
        .isEqualTo(9);
  }

  @Test
  void anOperatorRestartMidWindowContinuesTheWindowFromTheStore() {
    ScalingStateStore store = new InMemoryScalingStateStore();
    ScalingDecision up = decide(5000, 3, 0, store.load("p"), T0);
    store.store("p", up.applied()); // recorded before acting
    // the operator restarts two minutes later: a new Autoscaler, the state read back
    Autoscaler restarted = new Autoscaler();
    Instant now = T0.plus(Duration.ofMinutes(2));
    ScalingDecision d = restarted.decide(POLICY, load(now, 200, 10, 0, null), running(10), store.load("p"), now);
    assertThat(d.scale()).isFalse();
    assertThat(d.reason()).endsWith("needs 1, waiting out the scale-down stabilization");
    // with the state lost it would have dropped to 1 at once
    assertThat(restarted.decide(POLICY, load(now, 200, 10, 0, null), running(10), ScalingState.INITIAL, now).desired())
        .isEqualTo(1);
  }

  @Test
  void noMetricsNoDecision() {
    ScalingDecision d = autoscaler.decide(POLICY, List.of(), running(3), ScalingState.INITIAL, T0);
    assertThat(d.scale()).isFalse();
    assertThat(d.reason()).isEqualTo("waiting for progress with data");
  }

  @Test
  void noisyMetricsDoNotMakeItOscillate() {
    Random noise = new Random(42);
    ScalingState state = ScalingState.INITIAL;
    int current = 3;
    List<Instant> directionChanges = new ArrayList<>();
    int lastDirection = 0;
    for (int step = 0; step < 120; step++) { // an hour of 30-second decisions
      Instant now = T0.plusSeconds(30L * step);
      List<ProgressSample> samples = new ArrayList<>();
      for (int i = 11; i >= 0; i--) {
        double rate = 1000 * (1 + (noise.nextDouble() - 0.5) * 0.8); // +-40%
        long rows = (long) (rate * 10);
        long busy = (long) (rows / (RATE * current) * 1000);
        samples.add(new ProgressSample(now.minusSeconds(10L * i), rate, rows, busy, busy * current, 0, null, current));
      }
      ScalingDecision d = autoscaler.decide(POLICY, samples, running(current), state, now);
      state = d.scale() ? d.applied() : d.held();
      if (d.scale()) {
        int direction = Integer.signum(d.desired() - current);
        if (lastDirection != 0 && direction != lastDirection) {
          directionChanges.add(now);
        }
        lastDirection = direction;
        current = d.desired();
      }
    }
    for (int i = 1; i < directionChanges.size(); i++) {
      assertThat(Duration.between(directionChanges.get(i - 1), directionChanges.get(i)))
          .as("at most one direction change per stabilization window").isGreaterThanOrEqualTo(POLICY.downStabilization());
    }
    assertThat(directionChanges.size()).isLessThanOrEqualTo(2);
  }
}
