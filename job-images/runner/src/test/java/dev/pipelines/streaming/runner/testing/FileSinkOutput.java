package dev.pipelines.streaming.runner.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** What a files sink has committed, read the way Spark's own readers trust it: its {@code _spark_metadata} log. */
public final class FileSinkOutput {
  private FileSinkOutput() {}

  /** Batches in the sink's commit log under {@code out} (0, 1, ... and every tenth as N.compact); 0 before the first. */
  public static int committedBatches(Path out) {
    Path metadata = out.resolve("_spark_metadata");
    if (!Files.isDirectory(metadata)) {
      return 0;
    }
    try (Stream<Path> files = Files.list(metadata)) {
      return (int) files.map(p -> p.getFileName().toString()).filter(n -> n.matches("\\d+(\\.compact)?")).count();
    } catch (IOException e) {
      return 0; // listing raced with a compaction; ask again
    }
  }
}
