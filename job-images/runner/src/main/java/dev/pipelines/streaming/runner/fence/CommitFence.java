package dev.pipelines.streaming.runner.fence;

/**
 * The JVM-wide answer to "may this driver commit now?". Spark instantiates checkpoint file
 * managers reflectively ({@link FencedCheckpointFileManager}), so the fence they consult is
 * installed here rather than passed to them. With no fence installed every commit goes ahead
 * (local runs without {@code --lease}, and executors, which never hold the Lease).
 */
public final class CommitFence {
  /** Why commits must stop, or null while they may go on. */
  @FunctionalInterface
  public interface Fence {
    String refusal();

    /**
     * Called after a micro-batch's entry in Spark's commit log ({@code <checkpoint>/commits/<batchId>})
     * became visible: the batch is committed, by this driver. Nothing by default.
     */
    default void batchCommitted(String checkpoint, long batchId) {}
  }

  private static volatile Fence current;

  private CommitFence() {}

  /** Makes every later commit in this JVM ask {@code fence} first. */
  public static void install(Fence fence) {
    current = fence;
  }

  /** Commits go ahead unchecked again. */
  public static void clear() {
    current = null;
  }

  /** Tells the installed fence (if any) that this JVM committed {@code batchId} to {@code checkpoint}. */
  public static void batchCommitted(String checkpoint, long batchId) {
    Fence fence = current;
    if (fence != null) {
      fence.batchCommitted(checkpoint, batchId);
    }
  }

  /** Null when a commit may go ahead now, else why not (one line). */
  public static String refusal() {
    Fence fence = current;
    return fence == null ? null : fence.refusal();
  }
}
