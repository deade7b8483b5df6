package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import java.util.Arrays;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.plans.logical.EventTimeWatermark;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;

/**
 * What Spark's analysed plan says about event time. Spark marks a column that carries a
 * watermark with the metadata key {@code spark.watermarkDelayMs} ({@link EventTimeWatermark#delayKey()});
 * projections keep it, and its streaming checks read it (an append-mode aggregation needs a
 * grouping key that carries it). Deciding from the plan, not from the spec, covers watermarks
 * declared in SQL ({@code WATERMARK ... DELAY OF}).
 */
final class EventTime {
  /** Marks a window's windowStart/windowEnd columns, so a window reading them knows what they are. */
  static final String WINDOW_BOUND = "spo.windowBound";
  /** The column a chained window groups on: the input window's event time. */
  static final String CHAINED_EVENT_TIME = "__spo_windowTime";

  private EventTime() {}

  /** The input a window groups, and the name of the event-time column to group it on. */
  record Column(Dataset<Row> input, String name) {}

  /** Whether {@code column} of {@code df} carries a watermark; false when there is no such column. */
  static boolean isWatermarked(Dataset<Row> df, String column) {
    return field(df, column).map(f -> f.metadata().contains(EventTimeWatermark.delayKey())).orElse(false);
  }

  /**
   * Position of the column that carries the watermark in {@code schema}: {@code preferred} if it
   * does, else the first that does; -1 when none does.
   */
  static int watermarkedIndex(org.apache.spark.sql.types.StructType schema, String preferred) {
    StructField[] fields = schema.fields();
    int first = -1;
    for (int i = 0; i < fields.length; i++) {
      if (fields[i].metadata().contains(EventTimeWatermark.delayKey())) {
        if (fields[i].name().equalsIgnoreCase(preferred)) {
          return i;
        }
        first = first < 0 ? i : first;
      }
    }
    return first;
  }

  /**
   * The event time a window groups on. For a column of the input, that column. For the
   * windowStart or windowEnd of another window's output, that window's time: windowEnd minus
   * one microsecond, Spark's {@code window_time} (Structured Streaming guide, "Window
   * Operations on Event Time", chained time windows), carrying the input's watermark, so a
   * 5-minute window can sum 1-minute windows in append mode and each 1-minute row lands in
   * the 5-minute window that contains it, whichever bound the spec names.
   */
  static Column ofWindowInput(Dataset<Row> input, String column) {
    Optional<StructField> named = field(input, column);
    if (named.isEmpty() || !named.get().metadata().contains(WINDOW_BOUND)) {
      return new Column(input, column);
    }
    Metadata watermark = withoutMarker(field(input, "windowEnd").orElseThrow().metadata());
    return new Column(input.withColumn(CHAINED_EVENT_TIME,
        col("windowEnd").minus(expr("INTERVAL 1 MICROSECOND")).as(CHAINED_EVENT_TIME, watermark)), CHAINED_EVENT_TIME);
  }

  /** Metadata for windowStart/windowEnd: the marker, plus the watermark of Spark's window column if it has one. */
  static Metadata boundsMetadata(Metadata windowColumn) {
    MetadataBuilder b = new MetadataBuilder().putBoolean(WINDOW_BOUND, true);
    if (windowColumn.contains(EventTimeWatermark.delayKey())) {
      b.putLong(EventTimeWatermark.delayKey(), windowColumn.getLong(EventTimeWatermark.delayKey()));
    }
    return b.build();
  }

  private static Metadata withoutMarker(Metadata m) {
    return new MetadataBuilder().withMetadata(m).remove(WINDOW_BOUND).build();
  }

  private static Optional<StructField> field(Dataset<Row> df, String column) {
    return Arrays.stream(df.schema().fields()).filter(f -> f.name().equalsIgnoreCase(column)).findFirst();
  }
}
