package dev.pipelines.streaming.runner.testing;

import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import java.util.Map;
import org.apache.spark.sql.SparkSession;

/** The local[2] session a test class shares: small shuffle partitions, runner defaults. */
public final class SparkTestSession {
  private SparkTestSession() {}

  public static SparkSession create() {
    return SparkSessionFactory.create(null, "local[2]", Map.of(
        "spark.sql.shuffle.partitions", "2",
        "spark.driver.host", "127.0.0.1",
        "spark.driver.bindAddress", "127.0.0.1"));
  }
}
