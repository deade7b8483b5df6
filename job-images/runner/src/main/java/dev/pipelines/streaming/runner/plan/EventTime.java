package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;

import java.util.Arrays;
import java.util.Optional;
import dev.pipelines.streaming.api.model.WindowSpec;
import dev.pipelines.streaming.api.model.WindowType;
import dev.pipelines.streaming.api.validation.Durations;
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
  /** Marks a window's windowStart/windowEnd columns, so a window reading them knows what they are: "tumbling:<ms>", "sliding" or "session". */
  static final String WINDOW_BOUND = "spo.windowBound";
  /** The column a chained window groups on: the input window's event time. */
  static final String CHAINED_EVENT_TIME = "__spo_windowTime";
  private static final String TUMBLING = "tumbling:";

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
   * windowStart or windowEnd of a tumbling window's output, that window's time: windowEnd minus
   * one microsecond, Spark's {@code window_time} (Structured Streaming guide, "Window
   * Operations on Event Time", chained time windows), carrying the input's watermark, so a
   * 5-minute window can sum 1-minute windows in append mode and each 1-minute row lands in
   * the 5-minute window that contains it, whichever bound the spec names.
   *
   * @throws IllegalArgumentException when the input window is sliding or a session (its rows
   *     overlap, so summing them counts events twice), when {@code outer}'s size or slide is not
   *     a multiple of the input window's size, or when windowEnd was dropped on the way
   */
  static Column ofWindowInput(Dataset<Row> input, String column, WindowSpec outer) {
    Optional<StructField> named = field(input, column);
    if (named.isEmpty() || !named.get().metadata().contains(WINDOW_BOUND)) {
      return new Column(input, column);
    }
    String inner = named.get().metadata().getString(WINDOW_BOUND);
    if (!inner.startsWith(TUMBLING)) {
      throw new IllegalArgumentException("'" + column + "' comes from a " + inner + " window, whose rows overlap: a "
          + "window can read only a tumbling window's output (each event counted once)");
    }
    long innerMillis = Long.parseLong(inner.substring(TUMBLING.length()));
    for (String d : java.util.Arrays.asList(outer.size(), outer.slide())) {
      long millis = d == null ? 0 : Durations.parse(d).map(java.time.Duration::toMillis).orElse(0L);
      if (millis % innerMillis != 0) {
        throw new IllegalArgumentException(d + " is not a multiple of the " + human(innerMillis)
            + " window it reads: a finer window's row cannot be split between coarser windows");
      }
    }
    Metadata watermark = withoutMarker(field(input, "windowEnd").orElseThrow(() -> new IllegalArgumentException(
        "reads a window's output without its windowEnd column: keep windowEnd in the steps between the two windows"))
        .metadata());
    return new Column(input.withColumn(CHAINED_EVENT_TIME,
        col("windowEnd").minus(expr("INTERVAL 1 MICROSECOND")).as(CHAINED_EVENT_TIME, watermark)), CHAINED_EVENT_TIME);
  }

  /** Whether the event time a window groups {@code input} on (see {@link #ofWindowInput}) carries a watermark. */
  static boolean windowEventTimeIsWatermarked(Dataset<Row> input, String column) {
    boolean chained = field(input, column).map(f -> f.metadata().contains(WINDOW_BOUND)).orElse(false);
    return isWatermarked(input, chained ? "windowEnd" : column);
  }

  /**
   * Metadata for a window's output bounds: the marker (the window's kind, and a tumbling window's
   * size in ms) on both, and the watermark of Spark's window column on windowEnd only — one
   * event-time column per row, as Spark's dedupe and transformWithState require.
   */
  static Metadata boundsMetadata(Metadata windowColumn, WindowSpec w, boolean end) {
    WindowType type = w.type() == null ? WindowType.TUMBLING : w.type();
    String kind = type == WindowType.TUMBLING
        ? TUMBLING + Durations.parse(w.size()).orElseThrow().toMillis() : type.name().toLowerCase(java.util.Locale.ROOT);
    MetadataBuilder b = new MetadataBuilder().putString(WINDOW_BOUND, kind);
    if (end && windowColumn.contains(EventTimeWatermark.delayKey())) {
      b.putLong(EventTimeWatermark.delayKey(), windowColumn.getLong(EventTimeWatermark.delayKey()));
    }
    return b.build();
  }

  /** 60000 → "1m", 1500 → "1500ms": the largest whole unit, as the spec writes durations. */
  private static String human(long millis) {
    long[] units = {86_400_000L, 3_600_000L, 60_000L, 1_000L};
    String[] names = {"d", "h", "m", "s"};
    for (int i = 0; i < units.length; i++) {
      if (millis % units[i] == 0) {
        return millis / units[i] + names[i];
      }
    }
    return millis + "ms";
  }

  private static Metadata withoutMarker(Metadata m) {
    return new MetadataBuilder().withMetadata(m).remove(WINDOW_BOUND).build();
  }

  /** The column of {@code df} named {@code column}, case-insensitively as Spark resolves names. */
  static Optional<StructField> field(Dataset<Row> df, String column) {
    return Arrays.stream(df.schema().fields()).filter(f -> f.name().equalsIgnoreCase(column)).findFirst();
  }
}
