package dev.pipelines.streaming.runner.http;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.current_timestamp;
import static org.apache.spark.sql.functions.lit;

import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.runner.plan.Sinks;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Where an HTTP sink with {@code onDeliveryFailure: deadLetter} puts the rows of a request that
 * still failed after its retries: the topics of the pipeline's Kafka sinks of the dead letters,
 * as dead letters with the same columns as the others (DeadLetters.COLUMNS: reason
 * {@code delivery failed}, the last answer as error, the row as JSON in value), written with
 * Spark's Kafka batch writer before the micro-batch goes on. At least once: a batch replayed
 * after a crash may send the same dead letters again.
 */
public final class FailedDeliveries {
  /** One Kafka sink of the dead letters and its Kafka writer options (servers, topic, resolved credentials). */
  public record Topic(SinkSpec sink, Map<String, String> kafkaOptions) {}

  private final List<Topic> topics;

  public FailedDeliveries(List<Topic> topics) {
    this.topics = List.copyOf(topics);
  }

  /**
   * Writes {@code rows} (each a row as JSON) as dead letters of HTTP sink {@code sink} to every topic.
   *
   * @param error the last answer, already masked; becomes the letters' {@code error}
   */
  public void write(SparkSession spark, String pipeline, String sink, List<String> rows, String error) {
    Dataset<Row> letters = letters(spark, pipeline, sink, rows, error);
    for (Topic topic : topics) {
      Sinks.project(topic.sink(), letters).write().format("kafka").options(topic.kafkaOptions()).save();
    }
  }

  /** The dead letters of {@code rows}: the columns of every dead letter; no rows gives their shape, to plan with. */
  public static Dataset<Row> letters(SparkSession spark, String pipeline, String sink, List<String> rows, String error) {
    return spark.createDataset(rows, Encoders.STRING()).toDF("value").select(
        lit(pipeline).as("pipeline"),
        lit(sink).as("step"),
        lit("delivery failed").as("reason"),
        lit(error).as("error"),
        lit(null).cast("string").as("topic"),
        lit(null).cast("int").as("partition"),
        lit(null).cast("bigint").as("offset"),
        lit(null).cast("string").as("file"),
        col("value"),
        current_timestamp().as("rejectedAt"));
  }
}
