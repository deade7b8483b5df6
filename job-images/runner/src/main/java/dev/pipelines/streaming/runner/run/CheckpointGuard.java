package dev.pipelines.streaming.runner.run;

import dev.pipelines.streaming.api.compat.CheckpointCompatibility;
import dev.pipelines.streaming.api.compat.Incompatibility;
import dev.pipelines.streaming.api.compat.QueryRecords;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.runner.storage.DirectoryRenames;
import java.io.IOException;
import java.time.Clock;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Decides, before any query starts, whether a pipeline may run on the checkpoints under
 * {@code <root>/<pipeline>}, and refuses when it may not (exit code 3) with nothing written:
 *
 * <ul>
 *   <li>each query's checkpoint is judged against the spec recorded in that query's own
 *       directory ({@link SpecRecord}), by {@link CheckpointCompatibility}, which follows Spark's
 *       "Recovery Semantics after Changes in a Streaming Query"; otherwise Spark would fail
 *       mid-start with a stack trace, or worse, resume state built for another query (a sink
 *       removed and added back with other keys);
 *   <li>a query checkpoint with state but no record (an older runner wrote it, or its sink was
 *       removed and added back under one) is unknown and refused unless the user adopts it or
 *       resets it (fail closed);
 *   <li>a files sink on a fresh checkpoint must not write into a path whose
 *       {@code _spark_metadata} log already lists batches: Spark's file sink skips every batch
 *       id the log holds, so the new checkpoint's first batches would silently vanish.
 * </ul>
 *
 * When the pipeline may run, the guard moves the old checkpoint aside on a reset (renamed with
 * a UTC timestamp, never deleted) and records this spec in each of its queries' directories.
 */
public final class CheckpointGuard {
  /** How the user asked to treat an existing checkpoint. */
  public enum Start {
    /** Resume it if the recorded spec allows (the default). */
    RESUME,
    /** A checkpoint without a recorded spec: take this spec as the one that wrote it. */
    ADOPT,
    /** Start fresh: move the old checkpoint aside first. */
    RESET
  }

  /** What the guard decided: refusal lines (empty when the pipeline may start) and notes to print. */
  public record Outcome(List<String> refusal, List<String> notes) {
    public boolean refused() {
      return !refusal.isEmpty();
    }
  }

  static final String RESET_HINT = "run with --reset-checkpoint to start over"
      + " (the old checkpoint is moved aside, not deleted)";
  private static final DateTimeFormatter ASIDE_SUFFIX =
      DateTimeFormatter.ofPattern("uuuuMMdd'T'HHmmss'Z'").withZone(ZoneOffset.UTC);

  private final CheckpointLayout layout;
  private final Configuration hadoop;
  private final Clock clock;

  public CheckpointGuard(CheckpointLayout layout, Configuration hadoop, Clock clock) {
    this.layout = layout;
    this.hadoop = hadoop;
    this.clock = clock;
  }

  /**
   * Checks each query of {@code pipeline} ({@code queries}: sink name to its planned rows; sinks
   * without a query of their own are absent) against its checkpoint, then, only when every one
   * may start, resets (on {@link Start#RESET}) and records this spec in each query's directory.
   * Writes nothing when it refuses. A query is judged against the spec that last wrote its own
   * directory ({@link SpecRecord}), and held to the number of sources its checkpoint holds, as
   * Spark counts them ({@link SourceReads}).
   */
  public Outcome open(StreamingPipeline pipeline, Start start, Map<String, Dataset<Row>> queries) throws IOException {
    Path dir = new Path(layout.forPipeline(pipeline.name()));
    FileSystem fs = dir.getFileSystem(hadoop);
    List<String> problems = new ArrayList<>();
    Set<String> hints = new LinkedHashSet<>();
    List<String> notes = new ArrayList<>();
    List<SinkSpec> sinks = pipeline.spec().sinksOrEmpty().stream().filter(s -> queries.containsKey(s.name())).toList();
    Map<String, Boolean> resumes = new LinkedHashMap<>(); // sink -> whether its query resumes state
    Map<String, StreamingPipeline> recorded = new LinkedHashMap<>();
    Set<String> holdingState = new java.util.HashSet<>();
    List<Path> adopted = new ArrayList<>();
    SpecRecord legacy = SpecRecord.legacy(dir, hadoop);
    StreamingPipeline legacySpec = null;
    boolean legacyRead = false; // read once, and only when a query has no record of its own
    boolean legacyExists = false;
    for (SinkSpec sink : sinks) {
      Path queryDir = new Path(dir, sink.name());
      boolean hasState = start != Start.RESET && queryHasState(fs, queryDir);
      resumes.put(sink.name(), hasState);
      if (!hasState) {
        continue;
      }
      SpecRecord own = SpecRecord.forQuery(queryDir, hadoop);
      StreamingPipeline wrote;
      String unknown;
      boolean adoptable = true;
      boolean ownExists = own.exists();
      if (ownExists) {
        wrote = own.read();
        unknown = "its record " + own.file() + " cannot be read";
      } else {
        if (!legacyRead) {
          legacyExists = legacy.exists();
          legacySpec = legacyExists ? legacy.read() : null;
          legacyRead = true;
        }
        boolean named = legacySpec != null && legacySpec.spec().sinksOrEmpty().stream().anyMatch(s -> sink.name().equals(s.name()));
        wrote = named ? legacySpec : null;
        // The earlier runner's record says the last spec did not have this sink: its state comes
        // from some spec before that, which nobody can vouch for (the operator passes
        // --adopt-checkpoint for what its own record checked, and that record has no such sink either).
        adoptable = legacySpec == null;
        unknown = "no record of the spec that wrote it (" + SpecRecord.FILE_NAME + (legacySpec != null
            ? "; " + legacy.file() + " has no sink '" + sink.name() + "': it was removed and added back since)"
            : legacyExists ? "; " + legacy.file() + " cannot be read)"
            : "; an older runner wrote it, or the record was lost)");
      }
      if (wrote != null) {
        recorded.put(sink.name(), wrote);
        if (fs.exists(new Path(queryDir, "state"))) { // Spark writes state/ only for stateful operators
          holdingState.add(sink.name());
        }
        if (start == Start.ADOPT) {
          notes.add("--adopt-checkpoint: not needed for " + queryDir + ", "
              + (ownExists ? own.file() : legacy.file()) + " records the spec that wrote it");
        }
      } else if (start == Start.ADOPT && adoptable) {
        adopted.add(queryDir);
      } else {
        problems.add(queryDir + " has query state but " + unknown + ", so whether this spec may resume it is unknown");
        hints.add(adoptable ? "Run with --adopt-checkpoint if this spec, or a compatible change of it, wrote that checkpoint;"
            + " or " + RESET_HINT + "." : "Give the sink a new name (a new query), or " + RESET_HINT + ".");
      }
    }
    List<String> changes = CheckpointCompatibility.check(new QueryRecords(recorded), pipeline, holdingState::contains)
        .incompatibilities()
        .stream().map(Incompatibility::toString).toList();
    if (!changes.isEmpty()) {
      problems.addAll(0, changes);
      hints.add("Undo these changes to resume the checkpoint, or " + RESET_HINT + ".");
    }
    if (start == Start.RESET && !DirectoryRenames.atomic(fs) && fs.exists(dir)) {
      problems.add("--reset-checkpoint: " + dir + " is on " + fs.getScheme() + "://, where moving a directory aside"
          + " copies it object by object; a crash halfway would leave two partial checkpoints");
      hints.add("To start over, run with a new --checkpoint-root (on Kubernetes: upgrade.onIncompatibleChange:"
          + " resetCheckpoint), and delete or move the old checkpoint with the object store's own tools.");
    }
    List<SinkSpec> all = pipeline.spec().sinksOrEmpty();
    for (int i = 0; i < all.size(); i++) {
      SinkSpec sink = all.get(i);
      if (!resumes.containsKey(sink.name())) {
        continue; // no query of its own
      }
      boolean freshQuery = !resumes.get(sink.name());
      int held = freshQuery ? -1 : SourceReads.inCheckpoint(fs, new Path(dir, sink.name()));
      int reads = held < 0 ? held : SourceReads.of(queries.get(sink.name()));
      if (held >= 0 && reads != held) {
        problems.add(SourceReads.mismatch(i, sink.name(), reads, held));
        hints.add("Undo these changes to resume the checkpoint, or " + RESET_HINT + ".");
      }
      if (sink.files() != null && freshQuery && hasCommittedBatches(new Path(sink.files().path()))) {
        problems.add("spec.sinks[" + i + "].files.path: '" + sink.files().path() + "' already holds another"
            + " checkpoint's batches (its _spark_metadata log); Spark would skip this new checkpoint's first"
            + " batches as already written. Choose a new path for the new checkpoint.");
      }
    }
    if (!problems.isEmpty()) {
      List<String> lines = new ArrayList<>();
      lines.add("refusing to start on checkpoint " + dir + " (nothing was started or written):");
      problems.forEach(p -> lines.add("  " + p));
      lines.addAll(hints);
      return new Outcome(lines, notes);
    }

    if (start == Start.RESET && fs.exists(dir)) {
      Path aside = moveAside(fs, dir);
      notes.add("--reset-checkpoint: moved the old checkpoint " + dir + " to " + aside
          + " (kept; delete it when you no longer need it)");
    }
    adopted.forEach(q -> notes.add("--adopt-checkpoint: recorded this spec as the one that wrote " + q));
    for (SinkSpec sink : sinks) { // before any query starts, so before its first commit
      SpecRecord.forQuery(new Path(dir, sink.name()), hadoop).write(pipeline);
    }
    retireLegacyRecord(fs, dir, legacy);
    return new Outcome(List.of(), notes);
  }

  /**
   * Deletes an earlier runner's pipeline-wide record once every query directory with state has a
   * record of its own: from then on it could only stand in for a lost query record, and it would
   * do so with a spec older than the one that last wrote the query.
   */
  private void retireLegacyRecord(FileSystem fs, Path dir, SpecRecord legacy) throws IOException {
    if (!legacy.exists()) {
      return;
    }
    for (FileStatus child : fs.listStatus(dir)) {
      if (child.isDirectory() && queryHasState(fs, child.getPath())
          && !SpecRecord.forQuery(child.getPath(), hadoop).exists()) {
        return;
      }
    }
    fs.delete(legacy.file(), false);
  }

  /** {@code <root>/<pipeline>.reset-<UTC time>}: pipeline names have no dots, so no clash. */
  private Path moveAside(FileSystem fs, Path dir) throws IOException {
    String name = dir.getName() + ".reset-" + ASIDE_SUFFIX.format(clock.instant());
    Path aside = new Path(dir.getParent(), name);
    for (int n = 2; fs.exists(aside); n++) {
      aside = new Path(dir.getParent(), name + "-" + n);
    }
    if (!fs.rename(dir, aside)) {
      throw new IOException("cannot move " + dir + " to " + aside);
    }
    return aside;
  }

  /** Whether one query's checkpoint holds state: a query that planned a batch has an {@code offsets/} entry. */
  static boolean queryHasState(FileSystem fs, Path queryDir) throws IOException {
    Path offsets = new Path(queryDir, "offsets");
    return fs.exists(offsets) && hasBatchFiles(fs, offsets);
  }

  /** A files sink path whose {@code _spark_metadata} log lists batches (N or N.compact). */
  private boolean hasCommittedBatches(Path sinkPath) throws IOException {
    Path log = new Path(sinkPath, "_spark_metadata");
    FileSystem fs = log.getFileSystem(hadoop);
    return fs.exists(log) && hasBatchFiles(fs, log);
  }

  private static boolean hasBatchFiles(FileSystem fs, Path logDir) throws IOException {
    for (FileStatus f : fs.listStatus(logDir)) {
      if (f.isFile() && f.getPath().getName().matches("\\d+(\\.compact)?")) {
        return true;
      }
    }
    return false;
  }
}
