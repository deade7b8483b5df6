package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.model.SourceSpec;
import dev.pipelines.streaming.api.validation.Durations;
import java.time.Duration;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;

/**
 * A static source (a {@code jdbc} table, or {@code files} with {@code static: true}) held in the
 * executors' memory, spilling to disk, and read again every {@code refreshInterval}. Spark's
 * stream-static joins read the static side for every micro-batch (Structured Streaming guide,
 * "Stream-static Joins"); cached, a micro-batch reads the cached copy instead of scanning the
 * database or listing the directory again, and both kinds follow one explicit freshness rule.
 */
public final class StaticTable {
  private static final StorageLevel LEVEL = StorageLevel.MEMORY_AND_DISK();

  private final String name;
  private final Dataset<Row> rows;
  private final Duration refreshInterval;
  private final Probe probe;
  private final Runnable reread;

  /** Checks that the table can be read now, before the cached copy is dropped; throws when it cannot. */
  interface Probe {
    void check() throws Exception;
  }

  private StaticTable(String name, Dataset<Row> rows, Duration refreshInterval, Probe probe, Runnable reread) {
    this.name = name;
    this.rows = rows;
    this.refreshInterval = refreshInterval;
    this.probe = probe;
    this.reread = reread;
  }

  /** A static files source: refreshing lists the directory again (Spark's {@code refreshByPath}) and re-caches it. */
  static StaticTable files(SparkSession spark, SourceSpec source) {
    Dataset<Row> rows = StaticTables.files(spark, source).persist(LEVEL);
    String path = source.files().path();
    org.apache.hadoop.fs.Path dir = new org.apache.hadoop.fs.Path(path);
    return new StaticTable(source.name(), rows, interval(source.files().refreshIntervalOrDefault()),
        () -> dir.getFileSystem(spark.sparkContext().hadoopConfiguration()).listStatus(dir),
        () -> spark.catalog().refreshByPath(path));
  }

  /** A jdbc source: refreshing drops the cached copy; the next read (this refresh's count) reads the table again. */
  static StaticTable jdbc(SparkSession spark, SourceSpec source, SecretResolver secrets, String path) {
    Dataset<Row> rows = StaticTables.jdbc(spark, source.jdbc(), secrets, path).persist(LEVEL);
    java.util.Properties login = new java.util.Properties();
    login.putAll(secrets.jdbcOptions(source.jdbc().user(), source.jdbc().password(), path));
    return new StaticTable(source.name(), rows, interval(source.jdbc().refreshIntervalOrDefault()), () -> {
      // table is a plain [schema.]name (validated), so it can be written into the statement
      try (var c = java.sql.DriverManager.getConnection(source.jdbc().url(), login);
          var s = c.createStatement()) {
        s.executeQuery("SELECT 1 FROM " + source.jdbc().table() + " LIMIT 1").close();
      }
    }, () -> {
      rows.unpersist(false);
      rows.persist(LEVEL);
    });
  }

  private static Duration interval(String text) {
    return Durations.parse(text).orElseThrow(() -> new IllegalArgumentException("not a duration: " + text));
  }

  /** The source's name in the spec. */
  public String name() {
    return name;
  }

  /** The rows, as the planner joins them. */
  public Dataset<Row> rows() {
    return rows;
  }

  public Duration refreshInterval() {
    return refreshInterval;
  }

  /**
   * Reads the table again now, and returns its row count (the read fills the cache at once).
   * When the table cannot be reached, throws before the cached copy is dropped, so micro-batches
   * keep joining the last copy.
   */
  public long refresh() {
    try {
      probe.check();
    } catch (Exception e) {
      throw new IllegalStateException("cannot be read now, keeping the last copy: " + e.getMessage(), e);
    }
    reread.run();
    return rows.count();
  }
}
