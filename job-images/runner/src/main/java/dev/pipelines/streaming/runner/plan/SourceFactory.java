package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.model.SourceSpec;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Makes the streaming DataFrame of a source, before its watermark. */
public interface SourceFactory {
  Dataset<Row> create(SourceSpec source, String path);

  /**
   * The source's DataFrame; with {@code keepUnparsable}, a parsing source keeps rows that do not
   * parse, marked in {@link DeadLetters#UNPARSED}, with their coordinates ({@link DeadLetters#TOPIC},
   * ...). Factories whose rows are typed already (stand-ins, test fixtures) add those columns
   * empty: none of their rows fails to parse, and the dead-letter query plans as it will run.
   */
  default Dataset<Row> create(SourceSpec source, String path, boolean keepUnparsable) {
    Dataset<Row> df = create(source, path);
    return keepUnparsable && source.parsesRows() ? DeadLetters.withStandInColumns(df, source) : df;
  }

  /** The static tables {@link #create} made, to be kept current while the queries run. */
  default java.util.List<StaticTable> staticTables() {
    return java.util.List.of();
  }
}
