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
 * {@code startsAt} (the column, else the send time), {@code endsAt} (startsAt + resolveAfter),
 * {@code generatorURL}. Alertmanager identifies an alert by its labels, so a replayed row updates
 * the same alert.
 */
final class AlertmanagerAlerts {
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
      alert.put("endsAt", startsAt.plus(Durations.parse(spec.resolveAfter()).orElseThrow()).toString());
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
}
