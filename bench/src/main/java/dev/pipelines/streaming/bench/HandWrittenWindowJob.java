package dev.pipelines.streaming.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.from_json;
import static org.apache.spark.sql.functions.window;

import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.streaming.StreamingQuery;
import org.apache.spark.sql.streaming.StreamingQueryException;
import org.apache.spark.sql.streaming.StreamingQueryListener;
import org.apache.spark.sql.streaming.Trigger;
import org.apache.spark.sql.types.StructType;

/**
 * The query of benchmark 1 as a Spark user would write it by hand: Kafka JSON, parse,
 * 1-minute tumbling window count per page with a 30 s watermark, JSON files, availableNow.
 * By default with the runner's Spark settings, so the comparison measures the runner; with
 * {@value #SPARK_DEFAULTS} first among the settings, with Spark's own defaults, as the
 * Structured Streaming programming guide's examples build their session (200 shuffle
 * partitions, HDFS-backed state store, the web UI on).
 * Args: bootstrapServers topic maxOffsetsPerTrigger outputDir checkpointDir master [--spark-defaults] [key=value ...]
 */
public final class HandWrittenWindowJob {
  /** The flag that leaves out the runner's Spark settings. */
  static final String SPARK_DEFAULTS = "--spark-defaults";

  public static void main(String[] args) throws TimeoutException, StreamingQueryException {
    SparkSession.Builder builder = SparkSession.builder().appName("hand-written").master(args[5]);
    int settings = 6;
    if (args.length > settings && args[settings].equals(SPARK_DEFAULTS)) {
      settings++;
    } else {
      SparkSessionFactory.defaults().forEach(builder::config);
    }
    for (int i = settings; i < args.length; i++) {
      String[] kv = args[i].split("=", 2);
      builder.config(kv[0], kv[1]);
    }
    SparkSession spark = builder.getOrCreate();
    spark.streams().addListener(new BatchPrinter());

    StructType schema = new StructType().add("userId", "string").add("page", "string")
        .add("amount", "double").add("eventTime", "timestamp");
    Dataset<Row> clicks = spark.readStream().format("kafka")
        .option("kafka.bootstrap.servers", args[0]).option("subscribe", args[1])
        .option("startingOffsets", "earliest").option("maxOffsetsPerTrigger", args[2]).load()
        .select(from_json(col("value").cast("string"), schema, Map.of()).as("c")).select("c.*")
        .withWatermark("eventTime", "30 seconds");
    Dataset<Row> counts = clicks.groupBy(window(col("eventTime"), "1 minute"), col("page")).count()
        .select(col("window.start").as("windowStart"), col("window.end").as("windowEnd"), col("page"),
            col("count").as("views"));
    StreamingQuery q = counts.writeStream().queryName("out").format("json").outputMode("append")
        .option("path", args[3]).option("checkpointLocation", args[4])
        .trigger(Trigger.AvailableNow()).start();
    q.awaitTermination();
    spark.stop();
  }

  /** The runner's progress line format, so both logs are read the same way. */
  static final class BatchPrinter extends StreamingQueryListener {
    @Override
    public void onQueryStarted(QueryStartedEvent event) {}

    @Override
    public void onQueryProgress(QueryProgressEvent event) {
      var p = event.progress();
      if (p.numInputRows() == 0) {
        return; // as the runner: only batches that read rows
      }
      System.out.println(String.format(Locale.ROOT, "[%s] batch %d: %d rows in %d ms", p.name(), p.batchId(),
          p.numInputRows(), p.durationMs().get("triggerExecution")));
    }

    @Override
    public void onQueryIdle(QueryIdleEvent event) {}

    @Override
    public void onQueryTerminated(QueryTerminatedEvent event) {}
  }
}
