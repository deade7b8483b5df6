package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/**
 * An event-time watermark (Spark's {@code withWatermark}) and a guard in front of it: rows whose
 * event time is more than {@code maxAhead} past the batch's processing time are dropped and
 * counted (rule {@code eventTimeNotAhead}) before they can move the watermark.
 */
public record WatermarkSpec(
    @JsonPropertyDescription("Event-time column (timestamp type).") String column,
    @JsonPropertyDescription("How late events may arrive, e.g. 30s, 5m.") String delay,
    @JsonPropertyDescription("Rows whose event time is further ahead of processing time than this are dropped and "
        + "counted, so one bad clock or unit cannot push the watermark into the future (default 1d; off: no guard).")
    String maxAhead) {

  /** {@code maxAhead: off} turns the guard off (also unquoted, see {@link OffSwitch}). */
  public static final String OFF = OffSwitch.OFF;

  /** The guard's rule name, as counted in expectation violations ({@code <input>.watermark.eventTimeNotAhead}, the input being the source or transform with the watermark). */
  public static final String NOT_AHEAD_RULE = "eventTimeNotAhead";

  public String maxAheadOrDefault() {
    return maxAhead == null ? "1d" : OffSwitch.normalize(maxAhead);
  }
}
