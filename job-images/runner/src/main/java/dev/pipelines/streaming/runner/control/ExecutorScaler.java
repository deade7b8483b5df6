package dev.pipelines.streaming.runner.control;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.apache.spark.ExecutorAllocationClient;
import org.apache.spark.SparkContext;
import org.apache.spark.scheduler.ExecutorDecommissionInfo;
import org.apache.spark.scheduler.TaskSchedulerImpl;
import scala.Option;
import scala.Tuple2;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Changes the executor count of the running application in place (no restart), the way Spark's
 * own dynamic allocation does:
 * <ul>
 *   <li>up: {@code requestTotalExecutors} — the Kubernetes allocator creates the missing pods;
 *   <li>down: the least-loaded registered executors are <b>decommissioned</b> (Spark's graceful
 *       decommissioning, "Graceful Decommission of Executors" in the Spark configuration guide):
 *       no new tasks go to them, running tasks finish, their shuffle blocks migrate, then they
 *       exit and their pods go away. Lowering the requested total alone would only cancel
 *       pending pods: Spark's Kubernetes allocator never deletes a running executor for a lower
 *       target.
 * </ul>
 * Needs a cluster manager (in local mode the thread pool is fixed) and, for scale-down,
 * {@code spark.decommission.enabled=true}: without it executors ignore the request and would
 * sit idle, so a scale-down below the registered count is refused instead.
 *
 * <p>The calls go to Spark's {@link ExecutorAllocationClient} (the scheduler backend), which is
 * Spark-internal API: the same one {@code ExecutorAllocationManager} uses.
 */
public final class ExecutorScaler {
  private final SparkContext sc;
  private int requested;

  /** The driver's executors now. {@code registered} excludes executors being decommissioned. */
  public record Executors(int requested, int registered, int pending, int decommissioning) {}

  public ExecutorScaler(SparkContext sc) {
    this.sc = sc;
    this.requested = sc.conf().getInt("spark.executor.instances", 2);
  }

  public boolean supported() {
    return !sc.isLocal() && sc.schedulerBackend() instanceof ExecutorAllocationClient;
  }

  /** Whether executors act on a decommission request ({@code spark.decommission.enabled}). */
  public boolean decommissionEnabled() {
    return sc.conf().getBoolean("spark.decommission.enabled", false);
  }

  /**
   * Asks for exactly {@code executors}: requests that total (more pods, or pending ones
   * cancelled), then decommissions any surplus of registered executors (fewest running tasks
   * first, newest first on a tie).
   *
   * @return whether the cluster manager accepted the new total
   * @throws UnsupportedOperationException in local mode, or for a scale-down below the
   *     registered executors when decommissioning is disabled
   */
  public synchronized boolean scaleTo(int executors) {
    if (!supported()) {
      throw new UnsupportedOperationException("executor scaling needs a cluster manager; local mode uses a fixed thread pool");
    }
    List<String> active = activeExecutorIds();
    int surplus = active.size() - executors;
    if (surplus > 0 && !decommissionEnabled()) {
      throw new UnsupportedOperationException("scaling down below the " + active.size()
          + " registered executors needs spark.decommission.enabled=true (graceful decommissioning)");
    }
    // The exact total first (it also cancels pending pods), then the surplus leaves without
    // lowering the target again; the allocator does not replace them: they still count as
    // running until they exit, and then the total matches.
    boolean accepted = sc.requestTotalExecutors(executors, 0, scala.collection.immutable.Map$.MODULE$.empty());
    if (!accepted) {
      return false;
    }
    requested = executors;
    if (surplus > 0) {
      decommission(leastLoaded(active, surplus));
    }
    return true;
  }

  /** Executors requested, registered (and not leaving), pending (requested, not registered) and leaving. */
  public synchronized Executors executors() {
    if (!supported()) {
      return new Executors(0, 0, 0, 0);
    }
    int all = sc.getExecutorIds().size();
    int active = activeExecutorIds().size();
    return new Executors(requested, active, Math.max(0, requested - active), all - active);
  }

  private List<String> activeExecutorIds() {
    ExecutorAllocationClient client = (ExecutorAllocationClient) sc.schedulerBackend();
    List<String> active = new ArrayList<>();
    for (String id : CollectionConverters.asJava(client.getExecutorIds())) {
      if (client.isExecutorActive(id)) {
        active.add(id);
      }
    }
    return active;
  }

  private List<String> leastLoaded(List<String> active, int count) {
    Map<String, Object> running = sc.taskScheduler() instanceof TaskSchedulerImpl t
        ? CollectionConverters.asJava(t.runningTasksByExecutors()) : Map.of();
    return active.stream()
        .sorted(Comparator.<String>comparingInt(id -> ((Number) running.getOrDefault(id, 0)).intValue())
            .thenComparing(ExecutorScaler::newestFirst))
        .limit(count).toList();
  }

  private static int newestFirst(String a, String b) {
    try {
      return Long.compare(Long.parseLong(b), Long.parseLong(a));
    } catch (NumberFormatException e) {
      return b.compareTo(a);
    }
  }

  @SuppressWarnings("unchecked")
  private void decommission(List<String> ids) {
    Tuple2<String, ExecutorDecommissionInfo>[] request = new Tuple2[ids.size()];
    for (int i = 0; i < ids.size(); i++) {
      request[i] = new Tuple2<>(ids.get(i), ExecutorDecommissionInfo.apply("scaled down by the pipeline's autoscaler",
          Option.empty()));
    }
    // adjustTargetNumExecutors=false: the exact total was requested just before
    ((ExecutorAllocationClient) sc.schedulerBackend()).decommissionExecutors(request, false, false);
  }
}
