package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/**
 * Scores each row's {@code column} against the history of its key and passes the row on
 * with {@code score} (standard deviations from the expected value) and {@code isAnomaly}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record AnomalySpec(
    @JsonPropertyDescription("zscore (default): against the last windowSize values; ewma: exponentially weighted mean/variance.")
    AnomalyMethod method,
    @JsonPropertyDescription("Numeric column to score.") String column,
    @JsonPropertyDescription("Columns that separate histories, e.g. [sensorId]. None: one history.")
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    List<String> keys,
    @JsonPropertyDescription("A row is an anomaly when |score| exceeds this (default 3).") Double threshold,
    @JsonPropertyDescription("zscore: how many previous values form the window (default 30).") Integer windowSize,
    @JsonPropertyDescription("ewma: weight of the newest value, between 0 and 1 (default 0.1).") Double alpha,
    @JsonPropertyDescription("Values seen before any row can be an anomaly (default 5).") Integer minSamples,
    @JsonPropertyDescription("Orders a key's rows within a micro-batch, usually the event-time column.") String orderBy,
    @JsonPropertyDescription("With a watermark upstream: a key's history is forgotten once the watermark passes the "
        + "key's newest row by this long, in event time (default 7d; off: kept forever). Switching between off and a "
        + "duration needs a new checkpoint.")
    String stateTtl) {

  public static final double DEFAULT_THRESHOLD = 3.0;
  public static final int DEFAULT_WINDOW_SIZE = 30;
  public static final double DEFAULT_ALPHA = 0.1;
  public static final int DEFAULT_MIN_SAMPLES = 5;
  /** How long a silent key's history is kept by default, in event time. */
  public static final String DEFAULT_STATE_TTL = "7d";
  /** {@code stateTtl: off} keeps every key's history forever (also unquoted, see {@link OffSwitch}). */
  public static final String OFF = OffSwitch.OFF;

  public AnomalyMethod methodOrDefault() {
    return method == null ? AnomalyMethod.ZSCORE : method;
  }

  public List<String> keysOrEmpty() {
    return keys == null ? List.of() : keys;
  }

  public double thresholdOrDefault() {
    return threshold == null ? DEFAULT_THRESHOLD : threshold;
  }

  public int windowSizeOrDefault() {
    return windowSize == null ? DEFAULT_WINDOW_SIZE : windowSize;
  }

  public double alphaOrDefault() {
    return alpha == null ? DEFAULT_ALPHA : alpha;
  }

  public int minSamplesOrDefault() {
    return minSamples == null ? DEFAULT_MIN_SAMPLES : minSamples;
  }

  public String stateTtlOrDefault() {
    return stateTtl == null ? DEFAULT_STATE_TTL : OffSwitch.normalize(stateTtl);
  }

  public enum AnomalyMethod {
    @JsonProperty("zscore") ZSCORE,
    @JsonProperty("ewma") EWMA
  }
}
