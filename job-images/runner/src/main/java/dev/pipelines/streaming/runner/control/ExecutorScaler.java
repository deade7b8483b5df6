package dev.pipelines.streaming.runner.control;

import org.apache.spark.SparkContext;

/**
 * Changes the executor count of the running application in place, through Spark's executor
 * allocation API (what dynamic allocation uses; no restart). Needs a cluster manager:
 * in local mode the thread pool is fixed.
 */
public final class ExecutorScaler {
  private final SparkContext sc;
  private volatile Integer target;

  public ExecutorScaler(SparkContext sc) {
    this.sc = sc;
  }

  public boolean supported() {
    return !sc.isLocal();
  }

  /** Asks the cluster manager for exactly {@code executors}; returns whether it accepted. */
  public boolean scaleTo(int executors) {
    if (!supported()) {
      throw new UnsupportedOperationException("executor scaling needs a cluster manager; local mode uses a fixed thread pool");
    }
    boolean accepted = sc.requestTotalExecutors(executors, 0, scala.collection.immutable.Map$.MODULE$.empty());
    if (accepted) {
      target = executors;
    }
    return accepted;
  }

  public Integer target() {
    return target;
  }

  /** Executors registered now (the driver does not count). */
  public int currentExecutors() {
    return sc.isLocal() ? 0 : Math.max(0, sc.getExecutorIds().size());
  }
}
