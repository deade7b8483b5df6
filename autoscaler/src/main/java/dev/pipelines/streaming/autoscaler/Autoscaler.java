package dev.pipelines.streaming.autoscaler;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Turns a pipeline's recent micro-batches into a target executor count. Pure: metrics, state
 * and the time are passed in; a decision and the state to keep come out.
 *
 * <p>The true processing rate of one executor is what it processes while busy — rows per
 * second of task time on its cores (Spark's executorRunTime) — not what it happened to process
 * per wall-clock second, so an idle job does not look slow, executors still starting do not
 * count, and the driver's fixed share of each micro-batch (planning, offsets, commits), which
 * no executor count shortens, does not make a lightly loaded pipeline look busy. Without task
 * times it falls back to batch time × registered executors. The need is the input rate plus the backlog (summed over
 * partitions) spread over {@code catchUp}:
 * <pre>required = ceil((inputRate + backlog / catchUp) / (ratePerExecutor * targetUtilization))</pre>
 * bounded by min/max and by useful parallelism (the most tasks a stage runs, divided by cores
 * per executor: more task slots than tasks cannot help).
 *
 * <p>Guards, after the Flink Kubernetes operator's autoscaler:
 * <ul>
 *   <li>a utilization band around the target inside which nothing changes;
 *   <li>no new request while executors are pending (asked for, not registered): an unmet
 *       request is not a slow executor;
 *   <li>scale-up waits {@code upStabilization} after any action;
 *   <li>a scale-up that, while a backlog kept batches full, did not raise the processing rate
 *       (rows per second of batch time) by at least {@link #EFFECTIVENESS_THRESHOLD} of what it
 *       should have is ineffective: a warning once, and no further scale-up for one scale-down
 *       stabilization window or until a scale-down;
 *   <li>executors requested but not registered after {@link #PENDING_TIMEOUT} are given up;
 *   <li>scale-down only when the backlog is below its target, not within
 *       {@code downStabilization} of the last action, to the highest need recommended in that
 *       window, and by at most {@code maxScaleDownFactor} of the executors at a time.
 * </ul>
 */
public final class Autoscaler {
  /** Backlog allowed before scale-down is held: this share of catchUp worth of input. */
  public static final double BACKLOG_TARGET_SHARE = 0.1;
  /** The band around targetUtilization in which the count is left alone. */
  public static final double UP_MARGIN = 0.1;
  public static final double DOWN_MARGIN = 0.2;
  /** Flink's {@code scaling.effectiveness.threshold}: share of the expected rate gain that must show. */
  public static final double EFFECTIVENESS_THRESHOLD = 0.1;
  /** Batches at the new size needed before a scale-up is judged. */
  public static final int BATCHES_TO_JUDGE = 3;
  /**
   * Executors requested but still not registered after this long (a quota, a full node) are
   * given up: the request is lowered to what registered, so the policy is not blocked forever.
   */
  public static final Duration PENDING_TIMEOUT = Duration.ofMinutes(5);

  /**
   * @param history the pipeline's recent batches, oldest first (older than the metrics window
   *     are ignored)
   * @param executors the driver's executors now
   */
  public ScalingDecision decide(ScalingPolicy policy, List<ProgressSample> history, ExecutorCounts executors,
      ScalingState state, Instant now) {
    // more registered than requested: Spark started a pod it was about to cancel; count it
    int current = Math.max(executors.requested(), executors.registered());
    List<ScalingState.Recommendation> recent = new ArrayList<>();
    for (ScalingState.Recommendation r : state.recommendations()) {
      if (!r.at().isBefore(now.minus(policy.downStabilization()))) {
        recent.add(r);
      }
    }
    List<ProgressSample> window = history.stream().filter(s -> !s.at().isBefore(now.minus(policy.metricsWindow()))).toList();
    Rate rate = Rate.of(window, policy.coresPerExecutor());
    if (rate == null) {
      ScalingState kept = new ScalingState(state.lastScaleTime(), recent, state.unverifiedScaleUp(), state.ineffectiveScaleUp());
      return hold(current, "waiting for progress with data", kept);
    }
    int registered = Math.max(1, executors.registered());
    ProgressSample latest = window.get(window.size() - 1);
    // The window mean smooths noise but lags behind a step in load; the latest batch's rate,
    // when higher, lets the first scale-up after a step be big enough. The band and the
    // stabilization windows keep single noisy batches from causing actions.
    double inputRate = Math.max(latest.inputRowsPerSecond(),
        window.stream().mapToDouble(ProgressSample::inputRowsPerSecond).average().orElse(0));
    long backlog = latest.backlog();
    double catchUpSeconds = policy.catchUp().toMillis() / 1000.0;
    double needRate = inputRate + backlog / catchUpSeconds;
    int required = (int) Math.ceil(needRate / (rate.perExecutor() * policy.targetUtilization()));
    int ceiling = policy.maxExecutors();
    if (latest.usefulTasks() != null) {
      ceiling = Math.min(ceiling, Math.max(Math.max(1, policy.minExecutors()),
          (int) Math.ceil(latest.usefulTasks() / (double) policy.coresPerExecutor())));
    }
    int desired = Math.max(policy.minExecutors(), Math.min(ceiling, required));
    // Only the window's highest need matters, so a need no higher than a newer one is dropped:
    // the list stays short (it is stored in Kubernetes) and answers "highest in the window" alike.
    recent.removeIf(r -> r.executors() <= desired);
    recent.add(new ScalingState.Recommendation(now, desired));

    ScalingState.ScaleUp unverified = state.unverifiedScaleUp();
    ScalingState.ScaleUp ineffective = state.ineffectiveScaleUp();
    if (ineffective != null && !now.isBefore(ineffective.at().plus(policy.downStabilization()))) {
      ineffective = null; // judged one stabilization window ago: the load may have changed, try again
    }
    String warning = null;
    if (unverified != null && executors.registered() >= unverified.to()) {
      ScalingState.ScaleUp judged = unverified;
      List<ProgressSample> after = window.stream()
          .filter(s -> s.at().isAfter(judged.at()) && s.executors() >= judged.to()).toList();
      Rate observed = after.size() >= BATCHES_TO_JUDGE ? Rate.of(after, policy.coresPerExecutor()) : null;
      if (observed != null && backlog == 0) {
        unverified = null; // caught up: it did what it was for
      } else if (observed != null) {
        // Both rates are rows per second of batch time, taken while a backlog kept batches full.
        double expected = unverified.processingRateBefore() * unverified.to() / unverified.from();
        double gain = observed.total() - unverified.processingRateBefore();
        if (gain < EFFECTIVENESS_THRESHOLD * (expected - unverified.processingRateBefore())) {
          ineffective = new ScalingState.ScaleUp(now, unverified.from(), unverified.to(), unverified.processingRateBefore());
          warning = String.format(Locale.ROOT, "scaling up from %d to %d executors raised the processing rate from "
              + "%.0f to %.0f rows/s; about %.0f was expected. No further scale-up for %s or until a scale-down: "
              + "the bottleneck is elsewhere (a sink, a skewed partition, the driver)", unverified.from(), unverified.to(),
              unverified.processingRateBefore(), observed.total(), expected, policy.downStabilization());
        }
        unverified = null;
      }
    }
    ScalingState held = new ScalingState(state.lastScaleTime(), recent, unverified, ineffective);

    double utilization = needRate / (rate.perExecutor() * registered);
    String load = String.format(Locale.ROOT,
        "input %.0f rows/s, backlog %d, %.0f rows/s per executor, utilization %.0f%%", inputRate, backlog,
        rate.perExecutor(), utilization * 100);
    boolean above = utilization > policy.targetUtilization() + UP_MARGIN || current < policy.minExecutors();
    boolean below = utilization < policy.targetUtilization() - DOWN_MARGIN || current > ceiling;

    if (executors.pending() > 0 && state.lastScaleTime() != null
        && !now.isBefore(state.lastScaleTime().plus(PENDING_TIMEOUT)) && desired >= executors.registered()) {
      int keep = Math.max(policy.minExecutors(), executors.registered());
      if (keep < executors.requested()) {
        ScalingState applied = new ScalingState(now, recent, null, ineffective);
        return new ScalingDecision(current, keep, true, load + ": " + executors.pending()
            + " requested executor(s) still not registered after " + PENDING_TIMEOUT.toMinutes()
            + "m (a quota or a full node?); request lowered to the " + keep + " registered", applied, held, warning);
      }
    }
    if (desired > current && above) {
      String need = load + ": needs " + desired + (desired == ceiling && required > ceiling ? " (capped at " + ceiling + ")" : "");
      if (executors.pending() > 0) {
        return hold(current, need + ", but " + executors.pending() + " requested executor(s) are not registered yet",
            held, warning);
      }
      if (ineffective != null) {
        return hold(current, need + ", but scaling up from " + ineffective.from() + " to " + ineffective.to()
            + " was ineffective; no further scale-up for now", held, warning);
      }
      if (within(state.lastScaleTime(), policy.upStabilization(), now)) {
        return hold(current, need + ", waiting out the scale-up stabilization", held, warning);
      }
      ScalingState applied = new ScalingState(now, recent,
          new ScalingState.ScaleUp(now, registered, desired, rate.total()), ineffective);
      return new ScalingDecision(current, desired, true, need, applied, held, warning);
    }
    if (desired < current && below) {
      double backlogTarget = inputRate * catchUpSeconds * BACKLOG_TARGET_SHARE;
      if (backlog > backlogTarget) {
        return hold(current, load + ": backlog above target, no scale-down", held, warning);
      }
      if (within(state.lastScaleTime(), policy.downStabilization(), now)) {
        return hold(current, load + ": needs " + desired + ", waiting out the scale-down stabilization", held, warning);
      }
      int highest = recent.stream().mapToInt(ScalingState.Recommendation::executors).max().orElse(desired);
      // at least one fewer, whatever the factor: a small factor must not forbid scale-down
      int floor = Math.min(current - 1, (int) Math.ceil(current * (1 - policy.maxScaleDownFactor())));
      int target = Math.max(highest, floor);
      if (target < current) {
        String why = target == highest ? highest + " suffice (highest need in the stabilization window)"
            : "needs " + highest + "; at most " + Math.round(policy.maxScaleDownFactor() * 100)
                + "% fewer per scale-down, so " + target;
        ScalingState applied = new ScalingState(now, recent, null, null);
        return new ScalingDecision(current, target, true, load + ": " + why, applied, held, warning);
      }
      return hold(current, load + ": a recent need was " + highest + ", keeping " + current, held, warning);
    }
    return hold(current, load + ": " + current + " fit the load", held, warning);
  }

  /**
   * Rows per busy second: per executor (rows per executor-second of task time) and for the
   * whole application (rows per second of batch time).
   */
  private record Rate(double perExecutor, double total) {
    /** Per executor from the batches with task times; only when none has them, batch time × executors. */
    static Rate of(List<ProgressSample> samples, int coresPerExecutor) {
      long rows = 0;
      double busySeconds = 0;
      long taskRows = 0;
      double taskSeconds = 0;
      double fallbackSeconds = 0;
      for (ProgressSample s : samples) {
        rows += s.numInputRows();
        busySeconds += s.busyMillis() / 1000.0;
        fallbackSeconds += s.busyMillis() / 1000.0 * Math.max(1, s.executors());
        if (s.taskMillis() != null) {
          taskRows += s.numInputRows();
          taskSeconds += s.taskMillis() / 1000.0 / coresPerExecutor;
        }
      }
      if (rows == 0 || busySeconds <= 0) {
        return null;
      }
      double perExecutor = taskRows > 0 && taskSeconds > 0 ? taskRows / taskSeconds : rows / fallbackSeconds;
      return new Rate(perExecutor, rows / busySeconds);
    }
  }

  private static boolean within(Instant last, Duration period, Instant now) {
    return last != null && now.isBefore(last.plus(period));
  }

  private static ScalingDecision hold(int current, String reason, ScalingState state) {
    return hold(current, reason, state, null);
  }

  private static ScalingDecision hold(int current, String reason, ScalingState state, String warning) {
    return new ScalingDecision(current, current, false, reason, state, state, warning);
  }
}
