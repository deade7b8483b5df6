package dev.pipelines.streaming.runner.storage;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.EnumSet;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.CommonPathCapabilities;
import org.apache.hadoop.fs.CreateFlag;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileAlreadyExistsException;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;
import org.apache.spark.sql.execution.streaming.checkpointing.AbstractFileContextBasedCheckpointFileManager;
import org.apache.spark.sql.execution.streaming.checkpointing.CheckpointFileManager;
import org.apache.spark.sql.execution.streaming.checkpointing.FileContextBasedCheckpointFileManager;
import org.apache.spark.sql.execution.streaming.checkpointing.FileSystemBasedCheckpointFileManager;

/**
 * The checkpoint file manager for object stores (S3A): each checkpoint file is written straight
 * to its final name and becomes visible only when its stream closes (one PUT, or the completion
 * of a multipart upload); a cancelled write is aborted, so nothing appears.
 *
 * <p>Spark's default manager writes a temporary file and renames it; on S3 a rename is a copy and
 * a delete, slow and not atomic. Spark's guide ("Integration with Cloud Infrastructures",
 * Configuring for S3 checkpoints) recommends its {@code AbortableStreamBasedCheckpointFileManager}
 * from the spark-hadoop-cloud module instead; Spark 4.1 and later no longer publish that module,
 * so this is the same design in the runner. Unlike Spark's class, a failed close is not swallowed:
 * an object store that refused the write must fail the batch, not commit a file it never wrote.
 *
 * <p>Used only where the file system says its output streams can abort
 * ({@link CommonPathCapabilities#ABORTABLE_STREAM}); see {@link #create}.
 */
public final class AbortableCheckpointFileManager extends AbstractFileContextBasedCheckpointFileManager {
  private final Path root;

  private AbortableCheckpointFileManager(Path path, Configuration hadoopConf) {
    super(path, hadoopConf);
    this.root = path;
  }

  /**
   * The manager for {@code path}: this one on file systems with abortable output streams (S3A),
   * Spark's own choice everywhere else (local disks, volumes, HDFS).
   *
   * @throws UncheckedIOException when the file system cannot be reached to ask
   */
  public static CheckpointFileManager create(Path path, Configuration hadoopConf) {
    try {
      if (path.getFileSystem(hadoopConf).hasPathCapability(path, CommonPathCapabilities.ABORTABLE_STREAM)) {
        return new AbortableCheckpointFileManager(path, hadoopConf);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the file system of " + path + ": " + e.getMessage(), e);
    }
    return sparkDefault(path, hadoopConf);
  }

  /**
   * What Spark's {@code CheckpointFileManager.create} builds when no manager class is configured:
   * FileContext-based (atomic renames), or FileSystem-based where the file system has no
   * FileContext. Built directly, as that method would build the configured class instead.
   */
  private static CheckpointFileManager sparkDefault(Path path, Configuration hadoopConf) {
    try {
      return new FileContextBasedCheckpointFileManager(path, hadoopConf);
    } catch (Exception e) { // Scala code: FileContext's checked exceptions arrive undeclared
      if (e instanceof UnsupportedFileSystemException) {
        return new FileSystemBasedCheckpointFileManager(path, hadoopConf);
      }
      if (e instanceof RuntimeException runtime) {
        throw runtime;
      }
      throw new UncheckedIOException("cannot open the file system of " + path + ": " + e.getMessage(),
          e instanceof IOException io ? io : new IOException(e));
    }
  }

  @Override
  public CancellableFSDataOutputStream createAtomic(Path path, boolean overwriteIfPossible) {
    EnumSet<CreateFlag> flags = overwriteIfPossible ? EnumSet.of(CreateFlag.CREATE, CreateFlag.OVERWRITE)
        : EnumSet.of(CreateFlag.CREATE);
    try {
      return new AbortableOutputStream(fc().create(path, flags), path, overwriteIfPossible);
    } catch (IOException e) {
      // As Spark's Scala managers do: the IOException itself, so HDFSMetadataLog can catch
      // Hadoop's FileAlreadyExistsException (a second writer of the same batch).
      throw AbortableCheckpointFileManager.<RuntimeException>rethrow(e);
    }
  }

  @SuppressWarnings("unchecked")
  private static <T extends Throwable> T rethrow(Throwable t) throws T {
    throw (T) t;
  }

  @Override
  public String toString() {
    return "AbortableCheckpointFileManager(" + root + ")";
  }

  /** One checkpoint file: visible when closed, never when cancelled. */
  private final class AbortableOutputStream extends CancellableFSDataOutputStream {
    private final FSDataOutputStream out;
    private final Path path;
    private final boolean overwriteIfPossible;
    private boolean done;

    AbortableOutputStream(FSDataOutputStream out, Path path, boolean overwriteIfPossible) {
      super(out);
      this.out = out;
      this.path = path;
      this.overwriteIfPossible = overwriteIfPossible;
    }

    @Override
    public synchronized void cancel() {
      if (done) {
        return;
      }
      done = true;
      abortQuietly();
    }

    /**
     * Makes the file visible. Spark's metadata logs rely on a second writer of the same batch
     * failing with Hadoop's {@link FileAlreadyExistsException} (HDFSMetadataLog), so an existing file
     * aborts this one unless overwriting was asked for. S3 has no put-if-absent in every store
     * this runs on, so the check and the write are not one step; the checkpoint Lease and commit
     * fence keep a second driver from writing at all.
     */
    @Override
    public synchronized void close() throws IOException {
      if (done) {
        return;
      }
      done = true;
      boolean visible = false;
      try {
        if (!overwriteIfPossible && fc().util().exists(path)) {
          throw new FileAlreadyExistsException(path + " already exists; another writer committed it first");
        }
        out.close();
        visible = true;
      } finally {
        if (!visible) {
          abortQuietly(); // a failed probe or upload leaves no object and no pending upload
        }
      }
    }

    private void abortQuietly() {
      try {
        out.abort();
        out.close();
      } catch (IOException | RuntimeException e) {
        // nothing was made visible
      }
    }
  }
}
