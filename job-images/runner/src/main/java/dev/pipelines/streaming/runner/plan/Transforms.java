package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.approx_count_distinct;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.session_window;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.window;

import dev.pipelines.streaming.api.model.AggregationSpec;
import dev.pipelines.streaming.api.model.AnomalySpec;
import dev.pipelines.streaming.runner.anomaly.AnomalyProcessor;
import dev.pipelines.streaming.api.model.TransformSpec;
import dev.pipelines.streaming.api.model.WindowSpec;
import dev.pipelines.streaming.api.model.WindowType;
import dev.pipelines.streaming.api.validation.Durations;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.api.java.function.MapFunction;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.streaming.TimeMode;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.NumericType;
import org.apache.spark.sql.types.StructType;

/** One transform of the spec applied to its input DataFrames. Spark errors propagate. */
final class Transforms {
  private Transforms() {}

  static Dataset<Row> apply(SparkSession spark, TransformSpec t, Map<String, Dataset<Row>> inputs) {
    Dataset<Row> first = inputs.get(t.fromOrEmpty().get(0));
    return switch (t.kind()) {
      case FILTER -> first.filter(expr(t.filter()));
      case SELECT -> first.select(t.select().stream().map(e -> expr(e)).toArray(Column[]::new));
      case SQL -> sql(spark, t, inputs);
      case WINDOW -> windowAggregate(first, t.window());
      case JOIN -> Joins.join(t, first, inputs.get(t.fromOrEmpty().get(1)));
      case DEDUPE -> dedupe(first, t.dedupe().keysOrEmpty());
      case ANOMALY -> anomaly(first, t.anomaly());
    };
  }

  /** Keys seen within the watermark delay are dropped (the validator requires a watermark). */
  private static Dataset<Row> dedupe(Dataset<Row> input, List<String> keys) {
    return input.dropDuplicatesWithinWatermark(keys.get(0), keys.subList(1, keys.size()).toArray(String[]::new));
  }

  /** Input columns plus score (double, null while a key is still learning) and isAnomaly. */
  static Dataset<Row> anomaly(Dataset<Row> input, AnomalySpec a) {
    StructType schema = input.schema();
    int valueIndex = fieldIndex(schema, a.column());
    if (!(schema.fields()[valueIndex].dataType() instanceof NumericType)) {
      throw new IllegalArgumentException("column '" + a.column() + "' is "
          + schema.fields()[valueIndex].dataType().simpleString() + "; anomaly scoring needs a number");
    }
    int orderIndex = a.orderBy() == null ? -1 : fieldIndex(schema, a.orderBy());
    int[] keyIndexes = a.keysOrEmpty().stream().mapToInt(k -> fieldIndex(schema, k)).toArray();
    StructType output = schema.add("score", DataTypes.DoubleType, true).add("isAnomaly", DataTypes.BooleanType, false);
    MapFunction<Row, String> key = row -> {
      StringBuilder b = new StringBuilder();
      for (int i : keyIndexes) {
        b.append(row.get(i)).append('\u0001');
      }
      return b.toString();
    };
    int eventTimeIndex = AnomalySpec.OFF.equals(a.stateTtlOrDefault()) ? -1 : EventTime.watermarkedIndex(schema, a.orderBy());
    if (eventTimeIndex < 0 && a.stateTtl() != null && !AnomalySpec.OFF.equals(a.stateTtlOrDefault())) {
      throw new IllegalArgumentException("stateTtl " + a.stateTtl() + " needs a watermark upstream: histories expire "
          + "by event time (set stateTtl: off to keep them forever)");
    }
    TimeMode time = eventTimeIndex < 0 ? TimeMode.None() : TimeMode.EventTime();
    return input.groupByKey(key, Encoders.STRING()).transformWithState(
        new AnomalyProcessor(a, valueIndex, orderIndex, eventTimeIndex), time, OutputMode.Append(), Encoders.row(output));
  }

  private static int fieldIndex(StructType schema, String name) {
    for (int i = 0; i < schema.fields().length; i++) {
      if (schema.fields()[i].name().equalsIgnoreCase(name)) {
        return i;
      }
    }
    throw new IllegalArgumentException("no column '" + name + "'; columns: " + String.join(", ", schema.fieldNames()));
  }

  private static Dataset<Row> sql(SparkSession spark, TransformSpec t, Map<String, Dataset<Row>> inputs) {
    // Views are session-wide; input names are unique in a pipeline, so this is unambiguous.
    t.fromOrEmpty().forEach(name -> inputs.get(name).createOrReplaceTempView(name));
    return spark.sql(t.sql());
  }

  /**
   * Output: windowStart, windowEnd, the groupBy keys, then the aggregations. windowEnd keeps the
   * watermark of the event time it was computed from, so a window can read another window's
   * output (see {@link EventTime#ofWindowInput}) and steps after it keep an event time.
   */
  static Dataset<Row> windowAggregate(Dataset<Row> input, WindowSpec w) {
    WindowType type = w.type() == null ? WindowType.TUMBLING : w.type();
    EventTime.Column eventTime = EventTime.ofWindowInput(input, w.column(), w);
    input = eventTime.input();
    Column event = col(eventTime.name());
    Column windowColumn = switch (type) {
      case TUMBLING -> w.startTime() == null ? window(event, Durations.toSparkInterval(w.size()))
          : window(event, Durations.toSparkInterval(w.size()), Durations.toSparkInterval(w.size()),
              Durations.toSparkInterval(w.startTime()));
      case SLIDING -> w.startTime() == null
          ? window(event, Durations.toSparkInterval(w.size()), Durations.toSparkInterval(w.slide()))
          : window(event, Durations.toSparkInterval(w.size()), Durations.toSparkInterval(w.slide()),
              Durations.toSparkInterval(w.startTime()));
      case SESSION -> session_window(event, Durations.toSparkInterval(w.gap()));
    };
    List<Column> groups = new ArrayList<>();
    groups.add(windowColumn.as("window"));
    w.groupByOrEmpty().forEach(g -> groups.add(col(g)));
    List<Column> aggregations = w.aggregationsOrEmpty().stream().map(Transforms::aggregation).toList();
    Dataset<Row> grouped = input.groupBy(groups.toArray(Column[]::new))
        .agg(aggregations.get(0), aggregations.subList(1, aggregations.size()).toArray(Column[]::new));
    Metadata window = grouped.schema().apply("window").metadata();
    List<Column> output = new ArrayList<>();
    output.add(col("window.start").as("windowStart", EventTime.boundsMetadata(window, w, false)));
    output.add(col("window.end").as("windowEnd", EventTime.boundsMetadata(window, w, true)));
    w.groupByOrEmpty().forEach(g -> output.add(col(g)));
    w.aggregationsOrEmpty().forEach(a -> output.add(col(a.outputName())));
    return grouped.select(output.toArray(Column[]::new));
  }

  private static Column aggregation(AggregationSpec a) {
    Column c = a.column() == null ? lit(1) : col(a.column());
    Column result = switch (a.fn()) {
      case COUNT -> count(c);
      case SUM -> sum(c);
      case AVG -> avg(c);
      case MIN -> min(c);
      case MAX -> max(c);
      case APPROX_COUNT_DISTINCT -> approx_count_distinct(c);
    };
    return result.as(a.outputName());
  }
}
