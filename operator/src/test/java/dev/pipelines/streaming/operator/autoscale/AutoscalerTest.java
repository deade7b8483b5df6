package dev.pipelines.streaming.operator.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The scaling rules as tables: load in, executor count and reason out. */
class AutoscalerTest {
  static final Instant T0 = Instant.parse("2026-01-01T10:00:00Z");
  static final ScalingPolicy POLICY = new ScalingPolicy(1, 10, 0.7, Duration.ofMinutes(5), Duration.ofMinutes(1),
      Duration.ofMinutes(5), Duration.ofMinutes(2), 1);
  /** Each executor processes 500 rows per busy second in these tables. */
  static final double RATE = 500;
  final Autoscaler autoscaler = new Autoscaler();

  /** Two minutes of 10-second batches at the given input rate, ending at {@code end}. */
  static List<ProgressSample> load(Instant end, double inputRate, int executors, long lag, Integer partitions) {
    List<ProgressSample> samples = new ArrayList<>();
    for (int i = 11; i >= 0; i--) {
      long rows = (long) (inputRate * 10);
      long busyMillis = (long) (rows / (RATE * executors) * 1000);
      samples.add(new ProgressSample(end.minusSeconds(10L * i), inputRate, rows, busyMillis, lag, partitions));
    }
    return samples;
  }

  ScalingDecision decide(double inputRate, int current, long lag, ScalingState state, Instant now) {
    return autoscaler.decide(POLICY, load(now, inputRate, current, lag, null), current, state, now);
  }

  @Test
  void steadyLoadThatFitsIsLeftAlone() {
    ScalingDecision d = decide(1000, 3, 0, ScalingState.INITIAL, T0);
    assertThat(d.scale()).isFalse();
    assertThat(d.reason()).isEqualTo("input 1000 rows/s, lag 0, 500 rows/s per executor, utilization 67%: 3 fit the load");
  }

  @Test
  void fiveTimesTheLoadScalesUpAtOnceCappedAtMax() {
    ScalingDecision d = decide(5000, 3, 0, ScalingState.INITIAL, T0);
    assertThat(d.scale()).isTrue();
    assertThat(d.desired()).isEqualTo(10); // ceil(5000 / (500 * 0.7)) = 15, max 10
    assertThat(d.reason()).endsWith("needs 10 (capped at 10)");
    assertThat(d.state().lastScaleTime()).isEqualTo(T0);
  }

  @Test
  void aBacklogIsClearedWithinCatchUp() {
    // 1000 rows/s plus 600,000 behind / 300 s = 3000 rows/s -> ceil(3000 / 350) = 9
    ScalingDecision d = decide(1000, 3, 600_000, ScalingState.INITIAL, T0);
    assertThat(d.desired()).isEqualTo(9);
    assertThat(d.reason()).startsWith("input 1000 rows/s, lag 600000");
  }

  @Test
  void noScaleDownWhileTheBacklogIsAboveTarget() {
    ScalingDecision d = decide(200, 5, 10_000, ScalingState.INITIAL, T0);
    assertThat(d.scale()).isFalse();
    assertThat(d.reason()).endsWith("backlog above target, no scale-down");
  }

  @Test
  void moreExecutorsThanKafkaPartitionsPerCoreDoNotHelp() {
    // 5000 rows/s needs 15, but 4 partitions read by 1-core executors cap it at 4
    ScalingDecision up = autoscaler.decide(POLICY, load(T0, 5000, 2, 0, 4), 2, ScalingState.INITIAL, T0);
    assertThat(up.desired()).isEqualTo(4);
    ScalingDecision atCap = autoscaler.decide(POLICY, load(T0, 5000, 4, 0, 4), 4, ScalingState.INITIAL, T0);
    assertThat(atCap.scale()).isFalse();
  }

  @Test
  void dropScalesDownOnlyAfterTheStabilizationWindow() {
    ScalingState state = decide(5000, 3, 0, ScalingState.INITIAL, T0).state(); // scaled to 10 at T0
    int current = 10;
    List<Integer> counts = new ArrayList<>();
    for (int minute = 1; minute <= 12; minute++) {
      Instant now = T0.plus(Duration.ofMinutes(minute));
      ScalingDecision d = decide(200, current, 0, state, now);
      state = d.state();
      current = d.desired();
      counts.add(current);
    }
    // held while the scale-up's need of 10 is inside the 5-minute window, then straight to 1
    assertThat(counts).containsExactly(10, 10, 10, 10, 10, 1, 1, 1, 1, 1, 1, 1);
  }

  @Test
  void noMetricsNoDecision() {
    ScalingDecision d = autoscaler.decide(POLICY, List.of(), 3, ScalingState.INITIAL, T0);
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
        samples.add(new ProgressSample(now.minusSeconds(10L * i), rate, rows, (long) (rows / (RATE * current) * 1000), 0, null));
      }
      ScalingDecision d = autoscaler.decide(POLICY, samples, current, state, now);
      state = d.state();
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
