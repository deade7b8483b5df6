package dev.pipelines.streaming.runner.run;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.pipelines.streaming.api.LoadResult;
import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.fs.UnsupportedFileSystemException;

/**
 * The spec that last wrote one query's checkpoint, kept in the query's own directory as
 * {@code <checkpoint-root>/<pipeline>/<sink>/spo-query.json} (the whole StreamingPipeline as
 * JSON; Spark ignores files of its checkpoint it does not know). Kept where the state is, per
 * query: a sink removed from the spec keeps its directory and this record, so when it is added
 * back it is judged against the spec that last wrote it ({@link
 * dev.pipelines.streaming.api.compat.QueryRecords}).
 *
 * <p>Earlier runners kept one record per pipeline, {@code <root>/<pipeline>/spo-spec.json}
 * ({@link #legacy}); it is read, never written, for query directories that have no record of
 * their own, and deleted once every query directory with state has one. Read and written through Hadoop's FileSystem API with the session's configuration,
 * so s3a:// and hdfs:// roots work like local ones. Written atomically (a hidden temp file
 * renamed over the old record), so a crash leaves the old record or the new one, never half of one.
 */
public final class SpecRecord {
  /** The record's file name in a query's checkpoint directory. */
  public static final String FILE_NAME = "spo-query.json";
  /** The pipeline-wide record earlier runners wrote beside the query directories. */
  public static final String LEGACY_FILE_NAME = "spo-spec.json";

  private final Path file;
  private final Configuration hadoop;

  private SpecRecord(Path file, Configuration hadoop) {
    this.file = file;
    this.hadoop = hadoop;
  }

  /** The record of the query whose checkpoint is {@code queryDir}. */
  public static SpecRecord forQuery(Path queryDir, Configuration hadoop) {
    return new SpecRecord(new Path(queryDir, FILE_NAME), hadoop);
  }

  /** The pipeline-wide record an older runner kept in {@code pipelineDir}. */
  public static SpecRecord legacy(Path pipelineDir, Configuration hadoop) {
    return new SpecRecord(new Path(pipelineDir, LEGACY_FILE_NAME), hadoop);
  }

  public Path file() {
    return file;
  }

  public boolean exists() throws IOException {
    return file.getFileSystem(hadoop).exists(file);
  }

  /**
   * The recorded pipeline, or null when its text cannot be read as one. Problems the current
   * validator finds in it do not matter here: the compatibility checker compares structure.
   */
  public StreamingPipeline read() throws IOException {
    FileSystem fs = file.getFileSystem(hadoop);
    String text;
    try (InputStream in = fs.open(file)) {
      text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    LoadResult result = PipelineLoader.parse(text);
    return result.pipeline();
  }

  /**
   * Records {@code pipeline} as the spec that writes the checkpoint: temp file, then rename over
   * the old one (the query directory is created when it does not exist yet).
   */
  public void write(StreamingPipeline pipeline) throws IOException {
    byte[] json;
    try {
      json = PipelineLoader.jsonMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(pipeline);
    } catch (JsonProcessingException e) {
      throw new IOException("cannot write the spec as JSON: " + e.getOriginalMessage(), e);
    }
    Path temp = new Path(file.getParent(), "." + FILE_NAME + "." + UUID.randomUUID() + ".tmp");
    FileSystem fs = file.getFileSystem(hadoop);
    try (OutputStream out = fs.create(temp, false)) {
      out.write(json);
    }
    try {
      replace(fs, temp);
    } finally {
      if (fs.exists(temp)) {
        fs.delete(temp, false);
      }
    }
  }

  /**
   * Renames {@code temp} over the record: atomically through FileContext where the scheme has
   * one (local, hdfs, s3a, abfs: the way Spark's own checkpoint files are written); else, as
   * Spark also falls back, delete then rename. A crash between those two leaves no record, so
   * the next start refuses the checkpoint as unknown: fail closed, never a wrong record.
   */
  private void replace(FileSystem fs, Path temp) throws IOException {
    FileContext fc;
    try {
      fc = FileContext.getFileContext(file.toUri(), hadoop);
    } catch (UnsupportedFileSystemException e) {
      fs.delete(file, false);
      if (!fs.rename(temp, file)) {
        throw new IOException("cannot rename " + temp + " to " + file);
      }
      return;
    }
    fc.rename(temp, file, Options.Rename.OVERWRITE);
  }
}
