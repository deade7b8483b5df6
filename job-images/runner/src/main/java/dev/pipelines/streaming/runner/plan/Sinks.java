package dev.pipelines.streaming.runner.plan;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import dev.pipelines.streaming.api.model.HttpSinkSpec;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.TriggerSpec;
import dev.pipelines.streaming.api.validation.Durations;
import dev.pipelines.streaming.api.validation.RealTimeRules;
import dev.pipelines.streaming.runner.http.FailedDeliveries;
import dev.pipelines.streaming.runner.http.HttpBatchWriter;
import dev.pipelines.streaming.runner.http.HttpEndpoints;
import dev.pipelines.streaming.runner.jdbc.JdbcBatchWriter;
import dev.pipelines.streaming.runner.mongodb.MongoBatchWriter;
import dev.pipelines.streaming.runner.mongodb.MongoConnection;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.OutputMode;
import org.apache.spark.sql.streaming.Trigger;

/** How each sink kind writes: the final projection and the configured stream writer. */
public final class Sinks {
  private Sinks() {}

  /** The rows the sink writes: Kafka gets key/value columns, the others take rows as they are. */
  public static Dataset<Row> project(SinkSpec sink, Dataset<Row> rows) {
    if (sink.kafka() == null) {
      return rows;
    }
    List<Column> columns = new ArrayList<>();
    if (sink.kafka().key() != null) {
      columns.add(expr(sink.kafka().key()).cast("string").as("key"));
    }
    Column[] all = java.util.Arrays.stream(rows.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
    columns.add(to_json(struct(all)).as("value"));
    return rows.select(columns.toArray(Column[]::new));
  }

  /**
   * Spark's output mode for the sink. A real-time sink runs in update mode, the only one Spark's
   * real-time mode takes (STREAMING_REAL_TIME_MODE.OUTPUT_MODE_NOT_SUPPORTED): its queries are
   * stateless (the validator sees to it), where update writes each row once, as append does.
   */
  public static OutputMode outputMode(SinkSpec sink) {
    if (RealTimeRules.interval(sink).isPresent()) {
      return OutputMode.Update();
    }
    return switch (sink.outputModeOrDefault()) {
      case APPEND -> OutputMode.Append();
      case UPDATE -> OutputMode.Update();
      case COMPLETE -> OutputMode.Complete();
    };
  }

  /**
   * A writer for the projected rows, with everything but the checkpoint location.
   *
   * @param spec the whole pipeline's spec: an HTTP sink may send failed deliveries to its Kafka dead-letter sinks
   */
  public static DataStreamWriter<Row> writer(String pipeline, PipelineSpec spec, SinkSpec sink, Dataset<Row> projected,
      SecretResolver secrets, String path) {
    DataStreamWriter<Row> writer = projected.writeStream()
        .queryName(sink.name())
        .outputMode(outputMode(sink));
    Trigger trigger = trigger(sink.trigger());
    if (trigger != null) {
      writer = writer.trigger(trigger);
    }
    switch (sink.kind()) {
      case CONSOLE -> writer = writer.format("console")
          .option("numRows", sink.console().numRowsOrDefault())
          .option("truncate", sink.console().truncateOrDefault());
      case FILES -> writer = writer.format(sink.files().formatOrDefault().sparkName())
          .option("path", sink.files().path())
          .options(sink.files().optionsOrEmpty())
          .partitionBy(sink.files().partitionByOrEmpty().toArray(String[]::new));
      case KAFKA -> writer = writer.format("kafka").options(kafkaOptions(sink, secrets, path));
      case JDBC -> writer = writer.foreachBatch(new JdbcBatchWriter(pipeline, sink.name(), sink.jdbc(),
          secrets.jdbcOptions(sink.jdbc().user(), sink.jdbc().password(), path + ".jdbc")));
      case MONGODB -> writer = writer.foreachBatch(new MongoBatchWriter(sink.name(), sink.mongodb(),
          MongoConnection.uri(sink.mongodb(), secrets, path + ".mongodb")));
      case HTTP -> writer = writer.foreachBatch(httpWriter(pipeline, spec, sink, secrets, path + ".http"));
    }
    return writer;
  }

  /** The HTTP sink's writer, with its URL and header references resolved and checked now (a bad one fails the start). */
  private static HttpBatchWriter httpWriter(String pipeline, PipelineSpec spec, SinkSpec sink, SecretResolver secrets,
      String path) {
    FailedDeliveries failed = null;
    if (sink.http().onDeliveryFailureOrDefault() == HttpSinkSpec.DeliveryFailure.DEAD_LETTER) {
      List<FailedDeliveries.Topic> topics = new ArrayList<>();
      for (int i = 0; i < spec.sinksOrEmpty().size(); i++) {
        SinkSpec d = spec.sinksOrEmpty().get(i);
        if (PipelineSpec.DEAD_LETTERS.equals(d.from()) && d.kafka() != null) {
          topics.add(new FailedDeliveries.Topic(d, kafkaOptions(d, secrets, "spec.sinks[" + i + "]")));
        }
      }
      failed = new FailedDeliveries(topics);
    }
    return new HttpBatchWriter(pipeline, sink.name(), sink.http(), HttpEndpoints.resolve(sink.http(), secrets, path), failed);
  }

  /** A Kafka sink's writer options: servers, topic, its options and SASL credentials (resolved). */
  private static Map<String, String> kafkaOptions(SinkSpec sink, SecretResolver secrets, String path) {
    Map<String, String> options = new LinkedHashMap<>();
    options.put("kafka.bootstrap.servers", sink.kafka().bootstrapServers());
    options.put("topic", sink.kafka().topic());
    options.putAll(sink.kafka().optionsOrEmpty());
    options.putAll(secrets.kafkaSaslOptions(sink.kafka().credentials(), path + ".kafka.credentials"));
    return options;
  }

  static Trigger trigger(TriggerSpec t) {
    if (t == null) {
      return null;
    }
    if (Boolean.TRUE.equals(t.availableNow())) {
      return Trigger.AvailableNow();
    }
    if (t.realTime() != null) {
      return Trigger.RealTime(Durations.require(t.realTime()).toMillis());
    }
    return t.processingTime() == null ? null : Trigger.ProcessingTime(Durations.require(t.processingTime()).toMillis());
  }
}
