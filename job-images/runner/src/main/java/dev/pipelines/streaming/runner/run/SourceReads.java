package dev.pipelines.streaming.runner.run;

import dev.pipelines.streaming.api.model.SinkSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.plans.logical.LogicalPlan;
import scala.jdk.javaapi.CollectionConverters;

/**
 * How many streaming sources a query reads, as Spark counts them, and how many its checkpoint
 * holds. Spark gives every streaming relation in the analysed plan an offset of its own when the
 * query starts (MicroBatchExecution), so a source read twice (a {@code sql} step with a union of
 * two filters of one input) is two sources; a checkpoint
 * whose offsets log holds another number cannot be resumed ("There are [1] sources in the
 * checkpoint offsets and now there are [2] sources"). Names in YAML cannot tell this; the plan
 * and the checkpoint can. {@code spo run}'s checkpoint guard holds a plan to its checkpoint;
 * {@code spo plan} holds NEW's plan to OLD's (what OLD's checkpoint then holds).
 */
public final class SourceReads {
  private SourceReads() {}

  /** Each sink's query (sink name to its planned rows, as PlannedPipeline.sinks() holds them) to its {@link #of} count. */
  public static Map<String, Integer> perSink(Map<SinkSpec, Dataset<Row>> queries) {
    Map<String, Integer> reads = new LinkedHashMap<>();
    queries.forEach((sink, rows) -> reads.put(sink.name(), of(rows)));
    return reads;
  }

  /**
   * The refusal line for {@code spec.sinks[index]} whose query reads {@code reads} streaming
   * sources where its checkpoint holds {@code held}: the one wording for {@code spo run} and
   * {@code spo plan}.
   */
  public static String mismatch(int index, String sink, int reads, int held) {
    return "spec.sinks[" + index + "] (" + sink + "): reads " + reads + " streaming source" + (reads == 1 ? "" : "s")
        + " as Spark counts them, the checkpoint holds " + held + "; Spark resumes a query only with the sources it"
        + " was started with (a source read twice, e.g. in a union in a sql step, counts twice)";
  }

  /**
   * The streaming relations (StreamingRelation, StreamingRelationV2) in the query's analysed
   * plan, each read counted: Spark gives each its own source when the query starts, even two
   * reads of one view that the analyser left equal (checked with a union of two filters of one
   * files source: one distinct relation, two sources in the offsets log).
   */
  public static int of(Dataset<Row> query) {
    int reads = 0;
    for (LogicalPlan leaf : CollectionConverters.asJava(query.queryExecution().analyzed().collectLeaves())) {
      String kind = leaf.getClass().getSimpleName();
      if (kind.equals("StreamingRelation") || kind.equals("StreamingRelationV2")) {
        reads++;
      }
    }
    return reads;
  }

  /**
   * The number of sources in the newest entry of {@code <queryDir>/offsets} (Spark's OffsetSeqLog:
   * a version line {@code v1}, the batch's metadata, then one line per source), or -1 when there
   * is no entry or its format is not one this check knows (then Spark's own check decides).
   */
  static int inCheckpoint(FileSystem fs, Path queryDir) throws IOException {
    Path offsets = new Path(queryDir, "offsets");
    if (!fs.exists(offsets)) {
      return -1;
    }
    long newest = -1;
    for (FileStatus f : fs.listStatus(offsets)) {
      String name = f.getPath().getName();
      if (f.isFile() && name.matches("\\d{1,18}")) {
        newest = Math.max(newest, Long.parseLong(name));
      }
    }
    if (newest < 0) {
      return -1;
    }
    try (BufferedReader in = new BufferedReader(new InputStreamReader(fs.open(new Path(offsets, String.valueOf(newest))),
        StandardCharsets.UTF_8))) {
      if (!"v1".equals(in.readLine()) || in.readLine() == null) {
        return -1;
      }
      int sources = 0;
      while (in.readLine() != null) {
        sources++;
      }
      return sources;
    }
  }
}
