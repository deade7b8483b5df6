package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.model.SourceSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Makes the streaming DataFrame of a source, before its watermark. */
public interface SourceFactory {
  Dataset<Row> create(SourceSpec source, String path);

  /** The static tables {@link #create} made, to be kept current while the queries run. */
  default java.util.List<StaticTable> staticTables() {
    return java.util.List.of();
  }
}
