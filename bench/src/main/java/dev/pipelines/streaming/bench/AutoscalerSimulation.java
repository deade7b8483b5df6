package dev.pipelines.streaming.bench;

import dev.pipelines.streaming.autoscaler.Autoscaler;
import dev.pipelines.streaming.autoscaler.ExecutorCounts;
import dev.pipelines.streaming.autoscaler.ProgressSample;
import dev.pipelines.streaming.autoscaler.ScalingDecision;
import dev.pipelines.streaming.autoscaler.ScalingPolicy;
import dev.pipelines.streaming.autoscaler.ScalingState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;

/**
 * A modelled streaming job under a load profile, driven by three policies in the same run:
 * the operator's autoscaler, a naive CPU-threshold policy (+1 above 80% busy, -1 below 40%),
 * and fixed sizing for the initial load. Prints lag over time, scale actions and direction
 * changes; the last line holds the key figures.
 *
 * <p>Model, after Spark's behaviour on Kubernetes (see bench/README.md §5 for how it compares
 * with the real run on the test node): each executor processes 500 rows per busy second
 * (+-10% noise) and every batch has 300 ms of fixed overhead that more executors do not
 * shorten; the topic has 16 partitions, so executors beyond 16 add nothing; new executors take
 * 20 s to start and are reported as pending until then (the policy asks for nothing more while
 * any are pending); a scale-down decommissions executors, which keep their tasks until the
 * batch ends and are gone from the next; the backlog the policy sees is the sum over
 * partitions; micro-batches every 10 s report progress; the operator decides every 10 s.
 * Load: 1,000 rows/s (+-15%) for 10 min, 5x for 20 min, then 500 rows/s for 20 min.
 */
public final class AutoscalerSimulation {
  static final double RATE_PER_EXECUTOR = 500;
  static final int BATCH_SECONDS = 10;
  static final int DECISION_SECONDS = 10;
  static final int PARTITIONS = 16;
  static final double BATCH_OVERHEAD_SECONDS = 0.3;
  static final int PROVISION_SECONDS = 20;
  static final int STEP_AT = 600;
  static final int DROP_AT = 1800;
  static final int END = 3000;
  static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  static final ScalingPolicy POLICY = new ScalingPolicy(1, 20, 0.7, Duration.ofMinutes(1), Duration.ofMinutes(1),
      Duration.ofMinutes(5), Duration.ofMinutes(1), 1, 0.5);

  interface Policy {
    /** The executor count to run with from now on. */
    int decide(List<ProgressSample> samples, ExecutorCounts executors, Instant now);
  }

  static final class Ours implements Policy {
    private final Autoscaler autoscaler = new Autoscaler();
    private ScalingState state = ScalingState.INITIAL;

    @Override
    public int decide(List<ProgressSample> samples, ExecutorCounts executors, Instant now) {
      ScalingDecision d = autoscaler.decide(POLICY, samples, executors, state, now);
      state = d.scale() ? d.applied() : d.held();
      return d.desired();
    }
  }

  static final class CpuThreshold implements Policy {
    @Override
    public int decide(List<ProgressSample> samples, ExecutorCounts executors, Instant now) {
      int current = executors.requested();
      List<ProgressSample> last = samples.subList(Math.max(0, samples.size() - DECISION_SECONDS / BATCH_SECONDS), samples.size());
      double busy = last.stream().mapToLong(ProgressSample::busyMillis).sum() / (last.size() * BATCH_SECONDS * 1000.0);
      return busy > 0.8 ? Math.min(POLICY.maxExecutors(), current + 1) : busy < 0.4 ? Math.max(1, current - 1) : current;
    }
  }

  static final class Fixed implements Policy {
    @Override
    public int decide(List<ProgressSample> samples, ExecutorCounts executors, Instant now) {
      return executors.requested();
    }
  }

  record Result(String name, List<Long> lagPerMinute, int actions, int directionChanges, long maxLag,
      Integer secondsToRecover, double executorMinutes, int maxChangesPerWindow) {}

  static Result run(String name, Policy policy, long seed) {
    Random noise = new Random(seed);
    int executors = 3; // registered
    int requested = executors;
    int decommissioning = 0; // leave when the current batch ends
    List<Integer> startingReadyAt = new ArrayList<>(); // one entry per pending executor
    double backlog = 0;
    double batchInput = 0;
    double batchProcessed = 0;
    double batchBusy = 0;
    List<ProgressSample> samples = new ArrayList<>();
    List<Long> lagPerMinute = new ArrayList<>();
    List<Integer> changeTimes = new ArrayList<>();
    int actions = 0;
    int lastDirection = 0;
    long maxLag = 0;
    Integer recoveredAt = null;
    boolean exceeded = false;
    double executorSeconds = 0;
    for (int t = 0; t < END; t++) {
      int started = t;
      executors += (int) startingReadyAt.stream().filter(r -> r <= started).count();
      startingReadyAt.removeIf(r -> r <= started);
      double base = t < STEP_AT ? 1000 : t < DROP_AT ? 5000 : 500;
      double input = base * (1 + (noise.nextDouble() - 0.5) * 0.3);
      int working = Math.min(PARTITIONS, executors + decommissioning);
      double capacity = working * RATE_PER_EXECUTOR * (1 + (noise.nextDouble() - 0.5) * 0.2)
          * (1 - BATCH_OVERHEAD_SECONDS / BATCH_SECONDS);
      backlog += input;
      double processed = Math.min(backlog, capacity);
      backlog -= processed;
      batchInput += input;
      batchProcessed += processed;
      batchBusy += processed / capacity * (1 - BATCH_OVERHEAD_SECONDS / BATCH_SECONDS);
      executorSeconds += executors + decommissioning + startingReadyAt.size();
      maxLag = Math.max(maxLag, (long) backlog);
      // Lag target: at most one micro-batch worth of input waiting.
      double lagTarget = base * BATCH_SECONDS;
      if (t >= STEP_AT && t < DROP_AT && recoveredAt == null) {
        exceeded |= backlog > lagTarget;
        if (exceeded && backlog <= lagTarget) {
          recoveredAt = t;
        }
      }
      if ((t + 1) % BATCH_SECONDS == 0) {
        long busyMillis = (long) ((batchBusy + BATCH_OVERHEAD_SECONDS) * 1000);
        long taskMillis = (long) (batchBusy * 1000 * Math.min(PARTITIONS, executors)); // executor work only
        samples.add(new ProgressSample(T0.plusSeconds(t), batchInput / BATCH_SECONDS, (long) batchProcessed,
            busyMillis, taskMillis, (long) backlog, PARTITIONS, executors));
        batchInput = 0;
        batchProcessed = 0;
        batchBusy = 0;
        decommissioning = 0; // their tasks are done: they exit
      }
      if ((t + 1) % 60 == 0) {
        lagPerMinute.add((long) backlog);
      }
      if ((t + 1) % DECISION_SECONDS == 0) {
        int desired = policy.decide(samples, new ExecutorCounts(requested, executors, startingReadyAt.size()),
            T0.plusSeconds(t));
        if (desired != requested) {
          actions++;
          int direction = Integer.signum(desired - requested);
          if (lastDirection != 0 && direction != lastDirection) {
            changeTimes.add(t);
          }
          lastDirection = direction;
          if (desired > requested) {
            for (int i = requested; i < desired; i++) {
              startingReadyAt.add(t + PROVISION_SECONDS);
            }
          } else {
            int cancel = Math.min(startingReadyAt.size(), requested - desired); // pending pods go first
            startingReadyAt.subList(0, cancel).clear();
            int leave = requested - desired - cancel;
            executors -= leave;
            decommissioning += leave;
          }
          requested = desired;
        }
      }
    }
    int windowSeconds = (int) POLICY.downStabilization().toSeconds();
    int maxPerWindow = 0;
    for (int start : changeTimes) {
      int inWindow = (int) changeTimes.stream().filter(c -> c >= start && c < start + windowSeconds).count();
      maxPerWindow = Math.max(maxPerWindow, inWindow);
    }
    Integer seconds = recoveredAt == null ? null : recoveredAt - STEP_AT;
    return new Result(name, lagPerMinute, actions, changeTimes.size(), maxLag, seconds, executorSeconds / 60.0, maxPerWindow);
  }

  public static void main(String[] args) {
    long seed = args.length > 0 ? Long.parseLong(args[0]) : 7;
    List<Result> results = List.of(run("autoscaler", new Ours(), seed), run("cpu-threshold", new CpuThreshold(), seed),
        run("fixed-3", new Fixed(), seed));
    System.out.println("lag (rows behind) at the end of each minute; 5x step at minute 10, drop at minute 30");
    System.out.printf("%6s %14s %14s %14s%n", "minute", results.get(0).name(), results.get(1).name(), results.get(2).name());
    for (int m = 0; m < results.get(0).lagPerMinute().size(); m++) {
      System.out.printf("%6d %14d %14d %14d%n", m + 1, results.get(0).lagPerMinute().get(m),
          results.get(1).lagPerMinute().get(m), results.get(2).lagPerMinute().get(m));
    }
    System.out.printf("%n%-14s %8s %10s %12s %22s %16s%n", "policy", "actions", "dir.chg", "max lag",
        "recovered after (s)", "executor-min");
    for (Result r : results) {
      System.out.printf(Locale.ROOT, "%-14s %8d %10d %12d %22s %16.0f%n", r.name(), r.actions(), r.directionChanges(),
          r.maxLag(), r.secondsToRecover() == null ? "never" : r.secondsToRecover(), r.executorMinutes());
    }
    Result ours = results.get(0);
    Result naive = results.get(1);
    System.out.printf(Locale.ROOT, "%nautoscaler: lag under target %s s after the 5x step (goal <= 90 s; "
            + "cpu-threshold %s, fixed %s); max direction changes per %s window %d (goal <= 1); max lag %.2fx of cpu-threshold's%n",
        ours.secondsToRecover() == null ? "never" : ours.secondsToRecover(),
        naive.secondsToRecover() == null ? "never" : naive.secondsToRecover(),
        results.get(2).secondsToRecover() == null ? "never" : results.get(2).secondsToRecover(),
        POLICY.downStabilization().toMinutes() + "m", ours.maxChangesPerWindow(), ours.maxLag() / (double) Math.max(1, naive.maxLag()));
  }
}
