package dev.pipelines.streaming.runner.anomaly;

import dev.pipelines.streaming.api.model.AnomalySpec;
import dev.pipelines.streaming.api.validation.Durations;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.streaming.ExpiredTimerInfo;
import org.apache.spark.sql.streaming.ListState;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.streaming.StatefulProcessor;
import org.apache.spark.sql.streaming.TTLConfig;
import org.apache.spark.sql.streaming.TimeMode;
import org.apache.spark.sql.streaming.TimerValues;
import org.apache.spark.sql.streaming.ValueState;
import scala.Tuple3;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Per-key anomaly scoring with Spark's transformWithState (state in RocksDB, checkpointed).
 * Each row leaves with {@code score}, how many standard deviations its value is from what
 * the key's history predicts, and {@code isAnomaly} when |score| exceeds the threshold. A
 * row is scored against the history before it, then added to it.
 */
public final class AnomalyProcessor extends StatefulProcessor<String, Row, Row> {
  // Plain settings, not the AnomalySpec record: the processor is serialized to executors.
  private final boolean zscore;
  private final double threshold;
  private final int windowSize;
  private final double alpha;
  private final int minSamples;
  private final int valueIndex;
  private final int orderIndex;
  /** How long a key's history outlives its newest row, in ms of event time; 0: forever. */
  private final long stateTtlMillis;
  /** Position of the watermarked event-time column in the input rows, or -1 (no TTL then). */
  private final int eventTimeIndex;
  private transient ListState<Double> window;
  private transient ValueState<Tuple3<Long, Double, Double>> ewma;

  /**
   * @param valueIndex position of the scored column in the input rows
   * @param orderIndex position of the ordering column, or -1 to keep arrival order
   * @param eventTimeIndex position of the watermarked event-time column that drives
   *     {@code stateTtl}, or -1 to keep every key's history forever; with one, the query runs in
   *     Spark's {@code TimeMode.EventTime()}
   */
  public AnomalyProcessor(AnomalySpec spec, int valueIndex, int orderIndex, int eventTimeIndex) {
    this.zscore = spec.methodOrDefault() == AnomalySpec.AnomalyMethod.ZSCORE;
    this.threshold = spec.thresholdOrDefault();
    this.windowSize = spec.windowSizeOrDefault();
    this.alpha = spec.alphaOrDefault();
    this.minSamples = spec.minSamplesOrDefault();
    this.valueIndex = valueIndex;
    this.orderIndex = orderIndex;
    this.stateTtlMillis = AnomalySpec.OFF.equals(spec.stateTtlOrDefault()) || eventTimeIndex < 0 ? 0
        : Durations.parse(spec.stateTtlOrDefault()).orElseThrow().toMillis();
    this.eventTimeIndex = eventTimeIndex;
  }

  @Override
  public void init(OutputMode outputMode, TimeMode timeMode) {
    if (zscore) {
      window = getHandle().getListState("window", Encoders.DOUBLE(), TTLConfig.NONE());
    } else {
      ewma = getHandle().getValueState("ewma",
          Encoders.tuple(Encoders.LONG(), Encoders.DOUBLE(), Encoders.DOUBLE()), TTLConfig.NONE());
    }
  }

  @Override
  @SuppressWarnings("unchecked")
  public scala.collection.Iterator<Row> handleInputRows(String key, scala.collection.Iterator<Row> rows, TimerValues timers) {
    List<Row> input = new ArrayList<>();
    CollectionConverters.asJava(rows).forEachRemaining(input::add);
    if (stateTtlMillis > 0 && expiry().filter(at -> at <= timers.getCurrentWatermarkInMs()).isPresent()) {
      forget(); // its timer fires only after this batch's rows: the history is already past its TTL
    }
    if (orderIndex >= 0) {
      input.sort(Comparator.comparing(r -> (Comparable<Object>) r.get(orderIndex),
          Comparator.nullsFirst(Comparator.naturalOrder())));
    }
    Scorer scorer = zscore ? windowScorer() : ewmaScorer();
    List<Row> out = new ArrayList<>(input.size());
    for (Row row : input) {
      Object raw = row.get(valueIndex);
      Double score = raw == null ? null : scorer.scoreThenAdd(((Number) raw).doubleValue());
      boolean anomaly = score != null && Math.abs(score) > threshold;
      Object[] values = new Object[row.length() + 2];
      for (int i = 0; i < row.length(); i++) {
        values[i] = row.get(i);
      }
      values[row.length()] = score;
      values[row.length() + 1] = anomaly;
      out.add(RowFactory.create(values));
    }
    scorer.save();
    if (stateTtlMillis > 0) {
      expireAfter(input, timers);
    }
    return CollectionConverters.asScala(out.iterator());
  }

  /**
   * State TTL by event time, with Spark's event-time timers (transformWithState, "Timers"): a
   * key's history is dropped once the watermark passes its newest row's event time plus
   * {@code stateTtl}. Event time, not processing time: replays expire the same keys, and
   * Spark's processing-time mode would run an empty micro-batch every trigger (and never end an
   * availableNow run).
   */
  @Override
  public scala.collection.Iterator<Row> handleExpiredTimer(String key, TimerValues timers, ExpiredTimerInfo expired) {
    forget();
    return CollectionConverters.asScala(java.util.Collections.<Row>emptyIterator());
  }

  /**
   * Moves the key's one timer to the newest event time of this batch's rows (never behind the
   * watermark) plus the TTL. A changed TTL applies from the key's next rows.
   */
  private void expireAfter(List<Row> rows, TimerValues timers) {
    long newest = timers.getCurrentWatermarkInMs();
    for (Row row : rows) {
      Object t = row.get(eventTimeIndex);
      if (t instanceof java.sql.Timestamp ts) {
        newest = Math.max(newest, ts.getTime());
      } else if (t instanceof java.time.Instant instant) {
        newest = Math.max(newest, instant.toEpochMilli());
      }
    }
    long at = newest + stateTtlMillis;
    CollectionConverters.asJava(getHandle().listTimers()).forEachRemaining(old -> getHandle().deleteTimer((Long) old));
    getHandle().registerTimer(at);
  }

  /** When the key's history expires, if it has a timer. */
  private java.util.Optional<Long> expiry() {
    var timers = getHandle().listTimers();
    return timers.hasNext() ? java.util.Optional.of((Long) timers.next()) : java.util.Optional.empty();
  }

  private void forget() {
    if (zscore) {
      window.clear();
    } else {
      ewma.clear();
    }
  }

  private interface Scorer {
    /** The value's score against the history so far (null while learning), then learns it. */
    Double scoreThenAdd(double value);

    void save();
  }

  private Scorer windowScorer() {
    List<Double> history = new ArrayList<>();
    if (window.exists()) {
      CollectionConverters.asJava(window.get()).forEachRemaining(history::add);
    }
    return new Scorer() {
      @Override
      public Double scoreThenAdd(double value) {
        Double score = null;
        if (history.size() >= minSamples) {
          double mean = history.stream().mapToDouble(Double::doubleValue).average().orElse(0);
          double variance = history.stream().mapToDouble(v -> (v - mean) * (v - mean)).sum() / history.size();
          score = standardized(value, mean, variance);
        }
        history.add(value);
        if (history.size() > windowSize) {
          history.subList(0, history.size() - windowSize).clear();
        }
        return score;
      }

      @Override
      public void save() {
        window.put(history.toArray(new Double[0]));
      }
    };
  }

  private Scorer ewmaScorer() {
    Tuple3<Long, Double, Double> saved = ewma.exists() ? ewma.get() : new Tuple3<>(0L, 0.0, 0.0);
    return new Scorer() {
      long n = saved._1();
      double mean = saved._2();
      double variance = saved._3();

      @Override
      public Double scoreThenAdd(double value) {
        Double score = n >= minSamples ? standardized(value, mean, variance) : null;
        if (n == 0) {
          mean = value;
          variance = 0;
        } else {
          // West's incremental exponentially weighted mean and variance.
          double diff = value - mean;
          double increment = alpha * diff;
          mean += increment;
          variance = (1 - alpha) * (variance + diff * increment);
        }
        n++;
        return score;
      }

      @Override
      public void save() {
        ewma.update(new Tuple3<>(n, mean, variance));
      }
    };
  }

  /** (value - mean) / stddev; a flat history makes any different value stand out. */
  static double standardized(double value, double mean, double variance) {
    double std = Math.sqrt(variance);
    double floor = 1e-9 * Math.max(1.0, Math.abs(mean));
    return (value - mean) / Math.max(std, floor);
  }
}
