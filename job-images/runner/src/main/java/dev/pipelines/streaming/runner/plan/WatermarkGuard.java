package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.unix_micros;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.WatermarkSpec;
import dev.pipelines.streaming.api.validation.Durations;
import dev.pipelines.streaming.runner.spark.BatchConstant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.api.java.UDF0;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Spark's watermark ({@code withWatermark}) behind a guard: rows whose event time is more than
 * {@code maxAhead} past the batch's processing time ({@code current_timestamp()}, fixed per
 * micro-batch) are dropped before they reach the watermark, which would otherwise jump to them
 * and make every later row late. Rows without an event time pass.
 *
 * <p>Drops are counted as violations of the rule {@code <step>.eventTimeNotAhead} (the step is
 * {@code <input>.watermark}) by {@link GuardDrops}, from a non-deterministic UDF on the right
 * of a short-circuit {@code OR}: it runs only for a dropped row, and the guard stays inside
 * Spark's whole-stage generated code. Counting with {@code Dataset.observe} as expectations do
 * split the query's map side into one more generated stage and cost about 5 % of the
 * throughput of a windowed pipeline; a plain filter was pushed below the Kafka value's parse
 * and parsed every value twice, 15 %; the clock as a literal made Spark compile the stage again
 * every batch, 4 % ({@link BatchConstant}; bench/README.md, benchmark 1).
 */
public final class WatermarkGuard {
  /** The step name of a watermark's guard is {@code <input>} plus this. */
  public static final String STEP_SUFFIX = ".watermark";
  /** The column holding a row's verdict between the guard's projection and its filter (dropped after it). */
  static final String VERDICT_COLUMN = "__spo_not_ahead";
  /** Some 73,000 years: the sum with the clock cannot overflow (ANSI arithmetic fails on overflow). */
  private static final long MAX_AHEAD_CAP_MICROS = Long.MAX_VALUE / 4;

  private WatermarkGuard() {}

  /** The watermark of {@code w} on {@code df}, behind its guard unless {@code maxAhead} is off. */
  static Dataset<Row> withWatermark(Dataset<Row> df, WatermarkSpec w, String input) {
    Dataset<Row> guarded = df;
    if (!WatermarkSpec.OFF.equals(w.maxAheadOrDefault())) {
      Column eventTime = expr(Expectations.quoted(w.column()));
      // In microseconds: adding an INTERVAL to a timestamp goes through java.time per row. The
      // bound is a BatchConstant, so the generated code stays the same from batch to batch.
      long maxAheadMicros = Math.min(TimeUnit.MICROSECONDS.convert(Durations.require(w.maxAheadOrDefault())), MAX_AHEAD_CAP_MICROS);
      Column bound = BatchConstant.of(expr("unix_micros(current_timestamp()) + " + maxAheadMicros));
      Column notAhead = coalesce(eventTime.isNull().or(unix_micros(eventTime).leq(bound)), lit(false));
      // The verdict is a column, not the filter's condition: a Project holding a non-deterministic
      // expression stops Spark from pushing the filter below the projection that parsed the row,
      // where it would parse every Kafka value a second time to read the event time.
      String verdict = freeName(df, VERDICT_COLUMN);
      guarded = df.withColumn(verdict, notAhead.or(countDrop(GuardDrops.of(df.sparkSession()), input + STEP_SUFFIX)))
          .filter(col(verdict)).drop(verdict);
    }
    return guarded.withWatermark(w.column(), Durations.toSparkInterval(w.delay()));
  }

  /**
   * The guard steps upstream of each input ({@code <input>.watermark} of every source and
   * transform in its lineage whose watermark has a guard), so their counts can show as zero
   * before the first drop.
   */
  public static List<String> stepsUpstreamOf(PipelineSpec spec, String from) {
    List<String> steps = new ArrayList<>();
    for (String name : spec.lineage(from)) {
      WatermarkSpec w = spec.watermarkOf(name);
      if (w != null && !WatermarkSpec.OFF.equals(w.maxAheadOrDefault())) {
        steps.add(name + STEP_SUFFIX);
      }
    }
    return steps;
  }

  /** {@code name}, or with a number added until no column of {@code df} has it. */
  private static String freeName(Dataset<Row> df, String name) {
    // Spark resolves column names case-insensitively by default
    List<String> taken = java.util.Arrays.stream(df.columns()).map(c -> c.toLowerCase(java.util.Locale.ROOT)).toList();
    String free = name;
    for (int i = 2; taken.contains(free.toLowerCase(java.util.Locale.ROOT)); i++) {
      free = name + i;
    }
    return free;
  }

  /** Always false; counts one drop of {@code step} when Spark evaluates it. */
  private static Column countDrop(GuardDrops drops, String step) {
    UserDefinedFunction udf = functions.udf(new CountDrop(drops, step), DataTypes.BooleanType)
        .asNondeterministic().withName("spo_watermark_guard_drop");
    return udf.apply();
  }

  /** The UDF's body; a class rather than a lambda so what it carries to the executors is plain. */
  private record CountDrop(GuardDrops drops, String step) implements UDF0<Boolean> {
    @Override
    public Boolean call() {
      drops.countOne(step);
      return false;
    }
  }
}
