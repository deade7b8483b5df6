package dev.pipelines.streaming.runner.storage;

import java.util.Locale;
import java.util.Set;
import org.apache.hadoop.fs.FileSystem;

/**
 * Whether a file system moves a directory in one atomic step. Local disks, volumes and HDFS do.
 * Object stores do not: S3A and the GCS connector copy every object and then delete it (Hadoop's
 * S3A documentation: "directory renames are not atomic"), so a process killed halfway leaves a
 * partial copy and a partial original. Hadoop has no path capability for this, hence the schemes.
 */
public final class DirectoryRenames {
  /** Schemes of Hadoop's object-store connectors whose directory rename is copy-and-delete. */
  static final Set<String> COPYING_SCHEMES = Set.of("s3a", "s3", "s3n", "gs", "oss", "cosn", "obs");

  private DirectoryRenames() {}

  /** True when renaming a directory on {@code fs} is one atomic step. */
  public static boolean atomic(FileSystem fs) {
    return !COPYING_SCHEMES.contains(fs.getScheme().toLowerCase(Locale.ROOT));
  }
}
