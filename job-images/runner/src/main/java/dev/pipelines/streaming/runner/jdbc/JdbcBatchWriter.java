package dev.pipelines.streaming.runner.jdbc;

import dev.pipelines.streaming.api.model.JdbcSinkSpec;
import dev.pipelines.streaming.runner.spark.StreamingJobProperties;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.ZoneOffset;
import java.util.Iterator;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each micro-batch to PostgreSQL exactly once. The rows and the query's marker (the
 * last committed batch id) change in one transaction; a batch Spark replays after a crash
 * finds its id already in the marker and is skipped. The marker is keyed by Spark's streaming
 * query id, the checkpoint's identity: batch ids restart at 0 in a new checkpoint (a reset, a
 * re-created pipeline), and that checkpoint's batches must not be taken for the old one's. Runs on the driver (foreachBatch): the
 * batch streams through one connection, so keep batches moderate (maxOffsetsPerTrigger).
 */
public final class JdbcBatchWriter implements VoidFunction2<Dataset<Row>, Long> {
  private static final Logger LOG = LoggerFactory.getLogger(JdbcBatchWriter.class);
  private static final int JDBC_BATCH = 1000;

  private final String pipeline;
  private final String sink;
  private final JdbcSinkSpec spec;
  private final Map<String, String> credentials;
  private transient boolean tablesReady;

  public JdbcBatchWriter(String pipeline, String sink, JdbcSinkSpec spec, Map<String, String> credentials) {
    this.pipeline = pipeline;
    this.sink = sink;
    this.spec = spec;
    this.credentials = Map.copyOf(credentials);
  }

  @Override
  public void call(Dataset<Row> batch, Long batchId) throws SQLException {
    // Column types come from the batch as Spark has it; nested values then travel as JSON text.
    PostgresStatements sql = new PostgresStatements(spec, batch.schema());
    Dataset<Row> rows = PostgresTypes.jsonifyComplex(batch);
    Properties properties = new Properties();
    properties.putAll(credentials);
    try (Connection c = DriverManager.getConnection(spec.url(), properties)) {
      c.setAutoCommit(false);
      if (!tablesReady) {
        try (Statement s = c.createStatement()) {
          s.execute(sql.createMarkerTable());
          s.execute(sql.createTable());
        }
        c.commit();
        tablesReady = true;
      }
      UUID queryId = queryId(batch);
      long committed = lockMarker(c, sql, queryId);
      if (batchId <= committed) {
        c.rollback();
        // The rows are in the table already, but Spark still has to run the batch: stateful
        // operators commit their state for it only when it executes. Spark's noop sink runs
        // it without output.
        batch.write().format("noop").mode("append").save();
        LOG.info("[{}] batch {} was already committed to {}; replayed without writing", sink, batchId, spec.table());
        return;
      }
      long written = writeRows(c, sql, rows);
      try (PreparedStatement marker = c.prepareStatement(sql.updateMarker())) {
        marker.setLong(1, batchId);
        marker.setObject(2, queryId);
        marker.executeUpdate();
      }
      c.commit();
      if (written > 0) {
        LOG.info("[{}] batch {}: {} rows {} {}", sink, batchId, written,
            spec.modeOrDefault() == JdbcSinkSpec.JdbcWriteMode.UPSERT ? "upserted into" : "inserted into", spec.table());
      }
    }
  }

  /**
   * The id of the streaming query running this batch: Spark sets it as a local property of the
   * query's thread, which foreachBatch runs on. The same id is in the checkpoint's
   * {@code metadata} file, so it survives restarts and changes only with a new checkpoint.
   */
  static UUID queryId(Dataset<Row> batch) {
    String id = batch.sparkSession().sparkContext().getLocalProperty(StreamingJobProperties.QUERY_ID);
    if (id == null) {
      throw new IllegalStateException("no streaming query id on this thread (" + StreamingJobProperties.QUERY_ID
          + "): the JDBC sink runs only inside a streaming query's foreachBatch");
    }
    return UUID.fromString(id);
  }

  private long lockMarker(Connection c, PostgresStatements sql, UUID queryId) throws SQLException {
    try (PreparedStatement ensure = c.prepareStatement(sql.ensureMarkerRow());
        PreparedStatement lock = c.prepareStatement(sql.lockMarker())) {
      ensure.setObject(1, queryId);
      ensure.setString(2, pipeline);
      ensure.setString(3, sink);
      ensure.setString(4, spec.table());
      ensure.executeUpdate();
      lock.setObject(1, queryId);
      try (ResultSet rs = lock.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    }
  }

  private static long writeRows(Connection c, PostgresStatements sql, Dataset<Row> rows) throws SQLException {
    int columns = rows.schema().fields().length;
    long written = 0;
    try (PreparedStatement insert = c.prepareStatement(sql.write())) {
      Iterator<Row> it = rows.toLocalIterator();
      while (it.hasNext()) {
        Row row = it.next();
        for (int i = 0; i < columns; i++) {
          insert.setObject(i + 1, toJdbc(row.get(i)));
        }
        insert.addBatch();
        if (++written % JDBC_BATCH == 0) {
          insert.executeBatch();
        }
      }
      insert.executeBatch();
    }
    return written;
  }

  /** Instants go as UTC offsets so timestamptz columns hold the same moment Spark had. */
  private static Object toJdbc(Object value) {
    if (value instanceof Timestamp ts) {
      return ts.toInstant().atOffset(ZoneOffset.UTC);
    }
    return value;
  }
}
