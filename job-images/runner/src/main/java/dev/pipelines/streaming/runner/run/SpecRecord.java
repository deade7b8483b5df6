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
 * The spec that last ran on a pipeline's checkpoints, kept beside them as
 * {@code <checkpoint-root>/<pipeline>/spo-spec.json} (the whole StreamingPipeline as JSON;
 * sink directories cannot clash with it: sink names have no dots). Read and written through
 * Hadoop's FileSystem API with the session's configuration, so s3a:// and hdfs:// roots work
 * like local ones. Written atomically (a hidden temp file renamed over the old record), so a
 * crash leaves the old record or the new one, never half of one.
 */
public final class SpecRecord {
  public static final String FILE_NAME = "spo-spec.json";

  private final Path file;
  private final Configuration hadoop;

  public SpecRecord(Path pipelineDir, Configuration hadoop) {
    this.file = new Path(pipelineDir, FILE_NAME);
    this.hadoop = hadoop;
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

  /** Records {@code pipeline} as the checkpoint's spec: temp file, then rename over the old one. */
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
