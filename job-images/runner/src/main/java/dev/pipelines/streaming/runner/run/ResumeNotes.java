package dev.pipelines.streaming.runner.run;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;

/**
 * What a query resuming from its checkpoint ignores, said once at start: a Kafka source's
 * {@code startingOffsets} applies to a new checkpoint only; after that Spark continues from the
 * offsets the checkpoint recorded (Structured Streaming + Kafka guide, "startingOffsets").
 */
final class ResumeNotes {
  private ResumeNotes() {}

  /** The lines for {@code sink}, when its checkpoint has recorded offsets. */
  static List<String> forSink(PipelineSpec spec, SinkSpec sink, String checkpoint, Configuration hadoop) {
    return hasOffsets(checkpoint, hadoop) ? ignoredStartingOffsets(spec, sink) : List.of();
  }

  /** One line per Kafka source the sink reads that sets startingOffsets. */
  static List<String> ignoredStartingOffsets(PipelineSpec spec, SinkSpec sink) {
    List<String> lines = new ArrayList<>();
    List<SourceSpec> sources = spec.sourcesOrEmpty();
    for (String input : spec.lineage(sink.from())) {
      for (int i = 0; i < sources.size(); i++) {
        SourceSpec s = sources.get(i);
        if (s.name().equals(input) && s.kafka() != null && s.kafka().startingOffsets() != null) {
          lines.add("[" + sink.name() + "] resuming from its checkpoint: spec.sources[" + i + "].kafka.startingOffsets ("
              + s.kafka().startingOffsets() + ") applies to a new checkpoint only; reading continues from the "
              + "checkpoint's offsets");
        }
      }
    }
    return lines;
  }

  private static boolean hasOffsets(String checkpoint, Configuration hadoop) {
    try {
      Path offsets = new Path(checkpoint, "offsets");
      FileSystem fs = offsets.getFileSystem(hadoop);
      if (!fs.exists(offsets)) {
        return false;
      }
      for (FileStatus f : fs.listStatus(offsets)) {
        if (f.getPath().getName().matches("\\d+")) {
          return true;
        }
      }
      return false;
    } catch (IOException | RuntimeException e) {
      return false; // only a note: Spark reports an unreadable checkpoint itself
    }
  }
}
