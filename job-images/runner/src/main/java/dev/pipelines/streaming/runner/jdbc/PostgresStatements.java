package dev.pipelines.streaming.runner.jdbc;

import static dev.pipelines.streaming.runner.jdbc.PostgresTypes.quote;
import static dev.pipelines.streaming.runner.jdbc.PostgresTypes.quoteQualified;

import dev.pipelines.streaming.api.model.JdbcSinkSpec;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The SQL a JDBC sink runs, derived from its spec and the rows' schema. */
record PostgresStatements(JdbcSinkSpec spec, StructType schema) {
  /**
   * One row per streaming query, i.e. per checkpoint: the last micro-batch committed with the
   * data. Keyed by Spark's query id, which a checkpoint keeps for life (its {@code metadata}
   * file) and a new checkpoint never shares; so a reset checkpoint, whose batch ids restart at
   * 0, and a same-named pipeline in another namespace each get their own row. Columns:
   * {@code query_id uuid} (primary key), {@code pipeline}, {@code sink}, {@code target_table}
   * (for people reading the table), {@code batch_id}, {@code committed_at}.
   *
   * <p>Runners before this one kept (pipeline, sink)-keyed rows in {@code spo_sink_commits};
   * that table is neither read nor written any more, so its rows are harmless and can be dropped.
   */
  static final String MARKER_TABLE = "spo_query_commits";

  String markerTable() {
    int dot = spec.table().indexOf('.');
    return dot < 0 ? quote(MARKER_TABLE) : quote(spec.table().substring(0, dot)) + "." + quote(MARKER_TABLE);
  }

  String createMarkerTable() {
    return "CREATE TABLE IF NOT EXISTS " + markerTable() + " (query_id uuid PRIMARY KEY, pipeline text NOT NULL,"
        + " sink text NOT NULL, target_table text NOT NULL, batch_id bigint NOT NULL,"
        + " committed_at timestamptz NOT NULL DEFAULT now())";
  }

  String createTable() {
    String columns = Arrays.stream(schema.fields())
        .map(f -> quote(f.name()) + " " + PostgresTypes.sqlType(f.dataType()) + (spec.keysOrEmpty().contains(f.name()) ? " NOT NULL" : ""))
        .collect(Collectors.joining(", "));
    String key = spec.keysOrEmpty().isEmpty() ? ""
        : ", PRIMARY KEY (" + spec.keysOrEmpty().stream().map(PostgresTypes::quote).collect(Collectors.joining(", ")) + ")";
    return "CREATE TABLE IF NOT EXISTS " + quoteQualified(spec.table()) + " (" + columns + key + ")";
  }

  String ensureMarkerRow() {
    return "INSERT INTO " + markerTable() + " (query_id, pipeline, sink, target_table, batch_id) VALUES (?, ?, ?, ?, -1)"
        + " ON CONFLICT (query_id) DO NOTHING";
  }

  String lockMarker() {
    return "SELECT batch_id FROM " + markerTable() + " WHERE query_id = ? FOR UPDATE";
  }

  String updateMarker() {
    return "UPDATE " + markerTable() + " SET batch_id = ?, committed_at = now() WHERE query_id = ?";
  }

  /** INSERT for append; INSERT ... ON CONFLICT (keys) DO UPDATE for upsert. */
  String write() {
    List<StructField> fields = Arrays.asList(schema.fields());
    String names = fields.stream().map(f -> quote(f.name())).collect(Collectors.joining(", "));
    String values = fields.stream()
        .map(f -> PostgresTypes.isComplex(f.dataType()) ? "?::jsonb" : "?")
        .collect(Collectors.joining(", "));
    String insert = "INSERT INTO " + quoteQualified(spec.table()) + " (" + names + ") VALUES (" + values + ")";
    if (spec.modeOrDefault() == JdbcSinkSpec.JdbcWriteMode.APPEND) {
      return insert;
    }
    String keys = spec.keysOrEmpty().stream().map(PostgresTypes::quote).collect(Collectors.joining(", "));
    String updates = fields.stream().map(StructField::name).filter(n -> !spec.keysOrEmpty().contains(n))
        .map(n -> quote(n) + " = EXCLUDED." + quote(n)).collect(Collectors.joining(", "));
    return insert + " ON CONFLICT (" + keys + ") DO " + (updates.isEmpty() ? "NOTHING" : "UPDATE SET " + updates);
  }
}
