package dev.pipelines.streaming.runner.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.pipelines.streaming.api.PipelineLoader;
import dev.pipelines.streaming.api.model.HttpSinkSpec.AlertmanagerSpec;
import dev.pipelines.streaming.api.validation.Durations;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;

/**
 * A row as an Alertmanager API v2 alert ({@code postableAlert}): {@code labels} (alertname and
 * the label columns, as strings; nulls left out), {@code annotations} (the annotation columns),
 * {@code startsAt} (the column, else the send time), {@code endsAt} (resolveAfter after startsAt
 * or the send time, whichever is later: an alert for an old window must not arrive resolved),
 * {@code generatorURL}. Alertmanager identifies an alert by its labels, so a replayed row updates
 * the same alert.
 */
public final class AlertmanagerAlerts {
  private static final ObjectMapper JSON = PipelineLoader.jsonMapper();

  private AlertmanagerAlerts() {}

  /** The alert's JSON for one row's JSON (Spark's {@code toJSON} of the sink's rows). */
  static String alert(AlertmanagerSpec spec, String rowJson, Instant now) {
    JsonNode row;
    try {
      row = JSON.readTree(rowJson);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    ObjectNode alert = JSON.createObjectNode();
    ObjectNode labels = alert.putObject("labels");
    labels.put("alertname", spec.alertname());
    spec.labelsOrEmpty().forEach(c -> text(row, c, labels));
    ObjectNode annotations = alert.putObject("annotations");
    spec.annotationsOrEmpty().forEach(c -> text(row, c, annotations));
    Instant startsAt = spec.startsAt() != null && row.hasNonNull(spec.startsAt())
        ? Instant.parse(row.get(spec.startsAt()).asText()) : now;
    alert.put("startsAt", startsAt.toString());
    if (spec.resolveAfter() != null) {
      Instant from = startsAt.isAfter(now) ? startsAt : now;
      alert.put("endsAt", from.plus(Durations.parse(spec.resolveAfter()).orElseThrow()).toString());
    }
    if (spec.generatorURL() != null) {
      alert.put("generatorURL", spec.generatorURL());
    }
    return alert.toString();
  }

  private static void text(JsonNode row, String column, ObjectNode into) {
    JsonNode v = row.get(column);
    if (v != null && !v.isNull()) {
      into.put(column, v.isValueNode() ? v.asText() : v.toString());
    }
  }

  /**
   * Problems of the alert's columns against the rows the sink gets: each label, annotation and
   * startsAt column must exist with that exact name (a missing label would merge every row into
   * one alert), and startsAt must be a timestamp.
   */
  static java.util.List<dev.pipelines.streaming.api.validation.Problem> problems(AlertmanagerSpec spec,
      org.apache.spark.sql.types.StructType rows, String path) {
    java.util.List<dev.pipelines.streaming.api.validation.Problem> problems = new java.util.ArrayList<>();
    java.util.Set<String> names = java.util.Set.of(rows.fieldNames());
    String columns = String.join(", ", rows.fieldNames());
    for (int i = 0; i < spec.labelsOrEmpty().size(); i++) {
      if (!names.contains(spec.labelsOrEmpty().get(i))) {
        problems.add(dev.pipelines.streaming.api.validation.Problem.at(path + ".labels[" + i + "]",
            "'" + spec.labelsOrEmpty().get(i) + "' is not a column of the sink's rows", "columns: " + columns));
      }
    }
    for (int i = 0; i < spec.annotationsOrEmpty().size(); i++) {
      if (!names.contains(spec.annotationsOrEmpty().get(i))) {
        problems.add(dev.pipelines.streaming.api.validation.Problem.at(path + ".annotations[" + i + "]",
            "'" + spec.annotationsOrEmpty().get(i) + "' is not a column of the sink's rows", "columns: " + columns));
      }
    }
    if (spec.startsAt() != null) {
      if (!names.contains(spec.startsAt())) {
        problems.add(dev.pipelines.streaming.api.validation.Problem.at(path + ".startsAt",
            "'" + spec.startsAt() + "' is not a column of the sink's rows", "columns: " + columns));
      } else if (!(rows.apply(spec.startsAt()).dataType() instanceof org.apache.spark.sql.types.TimestampType)) {
        problems.add(dev.pipelines.streaming.api.validation.Problem.at(path + ".startsAt", "'" + spec.startsAt() + "' is "
            + rows.apply(spec.startsAt()).dataType().simpleString() + ", not a timestamp",
            "derive one, e.g. timestamp_millis(" + spec.startsAt() + ") AS startsAt"));
      }
    }
    return problems;
  }

  /** Problems of an HTTP sink's alert columns; none for other sinks. */
  public static java.util.List<dev.pipelines.streaming.api.validation.Problem> problems(
      dev.pipelines.streaming.api.model.SinkSpec sink, org.apache.spark.sql.types.StructType rows, String sinkPath) {
    if (sink.http() == null || sink.http().formatOrDefault() != dev.pipelines.streaming.api.model.HttpSinkSpec.Format.ALERTMANAGER
        || sink.http().alertmanager() == null) {
      return java.util.List.of();
    }
    return problems(sink.http().alertmanager(), rows, sinkPath + ".http.alertmanager");
  }
}
