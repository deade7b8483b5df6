package dev.pipelines.streaming.runner.fence;

import java.io.IOException;
import dev.pipelines.streaming.runner.storage.AbortableCheckpointFileManager;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataInputStream;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.PathFilter;
import org.apache.spark.sql.execution.streaming.checkpointing.CheckpointFileManager;

/**
 * Spark's checkpoint file manager with a fence: a file the driver commits (the offsets and
 * commits logs, a files sink's {@code _spark_metadata} log, source metadata) is made visible only
 * while {@link CommitFence} allows it. Executors load this class too (state store files) but hold
 * no fence there: their writes belong to a batch that only the driver can commit. Spark writes each
 * of them to a temporary file and renames it into place when the stream is closed
 * ({@code CheckpointFileManager.createAtomic}; on object stores the file appears when it closes);
 * the fence is checked when the write starts and again just before that rename or close. A refused commit cancels the temporary file and fails the
 * query, so a driver that lost its checkpoint Lease adds nothing more to the checkpoint.
 *
 * <p>A batch's entry in the offsets log (the moment Spark plans it) also waits at the
 * {@link BatchGate} while a graceful stop is under way, so the stop never cuts a new batch.
 *
 * <p>Installed with the SQL conf {@value #CONF} (the hook Spark reads in
 * {@code CheckpointFileManager.create}); every other operation goes to the manager Spark would
 * have chosen without it, or on object stores to {@link AbortableCheckpointFileManager}.
 */
public final class FencedCheckpointFileManager implements CheckpointFileManager {
  /** Spark's (internal, since 2.4) setting naming the checkpoint file manager class. */
  public static final String CONF = "spark.sql.streaming.checkpointFileManagerClass";

  private final CheckpointFileManager delegate;

  /** The constructor Spark calls: the checkpoint path and the session's Hadoop configuration. */
  public FencedCheckpointFileManager(Path path, Configuration hadoopConf) {
    // Not CheckpointFileManager.create: with CONF set it would build this class again. Spark
    // builds a manager for every checkpoint file user (logs, state stores, metadata writers),
    // so no copy of the configuration is made here to unset it.
    this.delegate = AbortableCheckpointFileManager.create(path, hadoopConf);
  }

  @Override
  public CancellableFSDataOutputStream createAtomic(Path path, boolean overwriteIfPossible) {
    if (isLogEntry(path, "offsets")) {
      try {
        BatchGate.awaitOpen(path.getName()); // a graceful stop plans no new batch
      } catch (java.io.InterruptedIOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    String refusal = CommitFence.refusal();
    if (refusal != null) {
      throw new FencedCommitException(path, refusal);
    }
    return new FencedOutputStream(delegate.createAtomic(path, overwriteIfPossible), path);
  }

  @Override
  public FSDataInputStream open(Path path) {
    return delegate.open(path);
  }

  @Override
  public FileStatus[] list(Path path, PathFilter filter) {
    return delegate.list(path, filter);
  }

  @Override
  public void mkdirs(Path path) {
    delegate.mkdirs(path);
  }

  @Override
  public boolean exists(Path path) {
    return delegate.exists(path);
  }

  @Override
  public void delete(Path path) {
    delegate.delete(path);
  }

  @Override
  public boolean isLocal() {
    return delegate.isLocal();
  }

  @Override
  public Path createCheckpointDirectory() {
    return delegate.createCheckpointDirectory();
  }

  @Override
  public void close() {
    delegate.close();
  }

  /** The temporary file of one commit; closing it renames it into place, if the fence allows. */
  static final class FencedOutputStream extends CancellableFSDataOutputStream {
    private final CancellableFSDataOutputStream inner;
    private final Path target;

    FencedOutputStream(CancellableFSDataOutputStream inner, Path target) {
      super(inner);
      this.inner = inner;
      this.target = target;
    }

    @Override
    public void cancel() {
      inner.cancel();
    }

    @Override
    public void close() throws IOException {
      String refusal = CommitFence.refusal();
      if (refusal != null) {
        inner.cancel();
        throw new FencedCommitException(target, refusal);
      }
      super.close();
      long batch = committedBatch(target);
      if (batch >= 0) {
        CommitFence.batchCommitted(target.getParent().getParent().toString(), batch);
      }
    }
  }

  /**
   * The batch id when {@code file} is an entry of a query's commit log
   * ({@code <checkpoint>/commits/<batchId>}, Spark's {@code CommitLog}), else -1. The entry is
   * the batch's commit point: its offsets are logged before, its sink output is final after.
   */
  static long committedBatch(Path file) {
    return isLogEntry(file, "commits") ? Long.parseLong(file.getName()) : -1;
  }

  /** Whether {@code file} is a batch's entry in the query's {@code log} ({@code <checkpoint>/<log>/<batchId>}). */
  static boolean isLogEntry(Path file, String log) {
    Path parent = file.getParent();
    if (parent == null || parent.getParent() == null || !log.equals(parent.getName())) {
      return false;
    }
    String name = file.getName();
    return !name.isEmpty() && name.length() <= 18 && name.chars().allMatch(Character::isDigit);
  }

  /** A commit the fence refused; fails the streaming query that tried it. */
  public static final class FencedCommitException extends IllegalStateException {
    FencedCommitException(Path target, String refusal) {
      super("not committing " + target + ": " + refusal);
    }
  }
}
