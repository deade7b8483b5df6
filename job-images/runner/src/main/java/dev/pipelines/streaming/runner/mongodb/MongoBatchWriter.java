package dev.pipelines.streaming.runner.mongodb;

import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.monotonically_increasing_id;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoInterruptedException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import dev.pipelines.streaming.api.model.MongoDbSinkSpec;
import dev.pipelines.streaming.runner.spark.StreamingJobProperties;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Set;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.bson.Document;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each micro-batch to a MongoDB collection with the MongoDB Spark connector's batch writer
 * (format {@code mongodb}), so that a micro-batch Spark replays after a crash leaves the
 * collection as one delivery would:
 *
 * <ul>
 *   <li>{@code upsert}: replace-with-upsert keyed by the spec's {@code keys} ({@code idFieldList});
 *       one document per key. A unique index on exactly those keys must exist; it is created
 *       before the first batch, and an index of that name on other keys, or not unique, fails the
 *       start of writing with a message.
 *   <li>{@code append}: first every document an earlier attempt of this batch wrote is deleted
 *       (their {@code _id}s start with {@code <query id>:<batch id>:}), then the rows are inserted
 *       with {@code _id} = that prefix and a number unique in the batch. A replay therefore never
 *       depends on the rows coming back byte-identical (map order, floating-point sums, a changed
 *       projection). The query id is the checkpoint's, so a new checkpoint's batch 0 never touches
 *       the old one's documents. Rows that carry their own {@code _id} column are replaced by it.
 * </ul>
 *
 * <p>Spark's types map to BSON as the connector documents ("Spark to BSON" in the connector's
 * data types page): strings, numbers, booleans, binary as themselves, decimal as Decimal128,
 * timestamp and date as BSON date (milliseconds), arrays as arrays, structs and maps as documents.
 */
public final class MongoBatchWriter implements VoidFunction2<Dataset<Row>, Long> {
  private static final Logger LOG = LoggerFactory.getLogger(MongoBatchWriter.class);
  /** MongoDB's IndexOptionsConflict and IndexKeySpecsConflict: an index of that name, or on those keys, exists. */
  private static final Set<Integer> INDEX_EXISTS = Set.of(85, 86);
  static final String ID = "_id";
  static final String INDEX_NAME = "spo_upsert_keys";

  private final String sink;
  private final MongoDbSinkSpec spec;
  private final String uri;
  private transient boolean indexReady;

  /** @param uri the connection string with credentials ({@link MongoConnection#uri}) */
  public MongoBatchWriter(String sink, MongoDbSinkSpec spec, String uri) {
    this.sink = sink;
    this.spec = spec;
    this.uri = uri;
  }

  /**
   * @throws InterruptedException when the query is stopped mid-batch: the driver's
   *     MongoInterruptedException unwrapped, so Spark sees a stop (StreamExecution's
   *     isInterruptionException) instead of a failed query
   */
  @Override
  public void call(Dataset<Row> batch, Long batchId) throws InterruptedException {
    try {
      write(batch, batchId);
    } catch (MongoInterruptedException e) {
      InterruptedException stopped = new InterruptedException("sink " + sink + " stopped while writing batch " + batchId);
      stopped.initCause(e);
      throw stopped;
    }
  }

  private void write(Dataset<Row> batch, long batchId) {
    boolean upsert = spec.modeOrDefault() == MongoDbSinkSpec.Mode.UPSERT;
    if (upsert && !indexReady) {
      ensureUniqueIndex();
      indexReady = true;
    }
    Dataset<Row> documents = batch;
    if (!upsert && !hasIdColumn(batch)) {
      String prefix = batch.sparkSession().sparkContext().getLocalProperty(StreamingJobProperties.QUERY_ID) + ":" + batchId + ":";
      deleteEarlierAttempt(prefix);
      documents = batch.withColumn(ID, concat(lit(prefix), monotonically_increasing_id().cast("string")));
    }
    documents.write().format("mongodb").mode(SaveMode.Append)
        .options(spec.optionsOrEmpty())
        .option("connection.uri", uri)
        .option("database", spec.database())
        .option("collection", spec.collection())
        .option("operationType", "replace")
        .option("upsertDocument", "true")
        .option("idFieldList", upsert ? String.join(",", spec.keysOrEmpty()) : ID)
        .save();
  }

  private static boolean hasIdColumn(Dataset<Row> batch) {
    return Arrays.stream(batch.columns()).anyMatch(ID::equalsIgnoreCase);
  }

  /** Deletes what an earlier attempt of this batch wrote (nothing on a first attempt). */
  private void deleteEarlierAttempt(String prefix) {
    try (MongoClient client = MongoClients.create(uri)) {
      long deleted = client.getDatabase(spec.database()).getCollection(spec.collection())
          .deleteMany(Filters.regex(ID, "^" + prefix)).getDeletedCount(); // a UUID, digits and ':' need no escaping
      if (deleted > 0) {
        LOG.info("[{}] replaying a batch: removed the {} documents its earlier attempt wrote", sink, deleted);
      }
    }
  }

  /** Whether an index's key document is ascending on exactly the sink's keys, in order (1 may come back as 1.0). */
  private boolean ascendingOn(Document key) {
    return key != null && new ArrayList<>(key.keySet()).equals(spec.keysOrEmpty())
        && key.values().stream().allMatch(v -> v instanceof Number n && n.doubleValue() == 1.0);
  }

  /**
   * Creates the unique index on the keys, then checks that a unique index on exactly those keys
   * exists: MongoDB answers IndexOptionsConflict / IndexKeySpecsConflict when an index of that
   * name or on those keys differs (and some MongoDB-compatible servers answer nothing), and
   * upserts without a unique index can insert a key twice.
   */
  private void ensureUniqueIndex() {
    try (MongoClient client = MongoClients.create(uri)) {
      MongoCollection<Document> collection = client.getDatabase(spec.database()).getCollection(spec.collection());
      Document keys = new Document();
      spec.keysOrEmpty().forEach(k -> keys.append(k, 1));
      String conflict = "";
      try {
        collection.createIndex(keys, new IndexOptions().unique(true).name(INDEX_NAME));
      } catch (MongoCommandException e) {
        if (!INDEX_EXISTS.contains(e.getErrorCode())) {
          throw e;
        }
        conflict = " (" + e.getErrorMessage() + ")";
      }
      boolean unique = collection.listIndexes().into(new ArrayList<>()).stream()
          .anyMatch(i -> ascendingOn(i.get("key", Document.class)) && Boolean.TRUE.equals(i.getBoolean("unique")));
      if (!unique) {
        throw new IllegalStateException("sink " + sink + ": collection " + spec.database() + "." + spec.collection()
            + " has an index that conflicts with a unique index on " + spec.keysOrEmpty() + conflict
            + "; upserts need one: drop the conflicting index, or write to another collection");
      }
    }
  }
}
