package dev.pipelines.streaming.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.DataStreamWriter;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.StructType;

/**
 * The latency benchmark's stateless query as a Spark user would write it by hand: Kafka JSON,
 * parse, filter, select, Kafka, with the runner's Spark defaults so only the runner differs.
 * Args: bootstrapServers inTopic outTopic checkpointDir master trigger, where trigger is
 * {@code default}, {@code processingTime:<ms>} or {@code realTime:<ms>}.
 */
public final class HandWrittenFilterJob {
  public static void main(String[] args) throws TimeoutException, StreamingQueryException {
    SparkSession.Builder builder = SparkSession.builder().appName("hand-written-filter").master(args[4]);
    SparkSessionFactory.defaults().forEach(builder::config);
    SparkSession spark = builder.getOrCreate();

    StructType schema = new StructType().add("id", "long").add("sentAt", "long").add("amount", "double");
    Dataset<Row> out = spark.readStream().format("kafka")
        .option("kafka.bootstrap.servers", args[0]).option("subscribe", args[1]).option("startingOffsets", "earliest")
        .load()
        .select(from_json(col("value").cast("string"), schema, Map.of()).as("e")).select("e.*")
        .filter(col("amount").geq(0))
        .select(to_json(struct(col("id"), col("sentAt"))).as("value"));
    DataStreamWriter<Row> writer = out.writeStream().queryName("out").format("kafka")
        .option("kafka.bootstrap.servers", args[0]).option("topic", args[2]).option("kafka.linger.ms", "0")
        .option("checkpointLocation", args[3]);
    String trigger = args[5];
    if (trigger.startsWith("realTime:")) {
      writer = writer.outputMode("update").trigger(Trigger.RealTime(Long.parseLong(trigger.substring(9))));
    } else if (trigger.startsWith("processingTime:")) {
      writer = writer.trigger(Trigger.ProcessingTime(Long.parseLong(trigger.substring(15))));
    }
    writer.start().awaitTermination();
  }
}
