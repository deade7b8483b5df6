package dev.pipelines.streaming.runner.mongodb;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_json;

import com.mongodb.MongoCommandException;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import dev.pipelines.streaming.api.model.MongoDbSinkSpec;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.apache.spark.api.java.function.VoidFunction2;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SaveMode;
import org.apache.spark.sql.expressions.Window;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes each micro-batch to a MongoDB collection with the MongoDB Spark connector's batch writer
 * (format {@code mongodb}), as replace-with-upsert operations keyed so that a micro-batch Spark
 * replays after a crash overwrites what its first attempt wrote instead of adding to it:
 *
 * <ul>
 *   <li>{@code upsert}: keyed by the spec's {@code keys} ({@code idFieldList}); one document per
 *       key, the latest row's values. A unique index on the keys is created before the first
 *       batch, so two writers can never insert the same key twice.
 *   <li>{@code append}: keyed by {@code _id}. Rows that carry an {@code _id} column keep it;
 *       others get {@code <query id>:<batch id>:<sha-256 of the row as JSON>:<n>}, n counting equal
 *       rows in the batch. A replayed batch has the same rows, so the same ids; the query id is
 *       the checkpoint's, so a new checkpoint's batch 0 never overwrites the old one's.
 * </ul>
 *
 * <p>Spark's types map to BSON as the connector documents ("Spark to BSON" in the connector's
 * data types page): strings, numbers, booleans, binary as themselves, decimal as Decimal128,
 * timestamp and date as BSON date (milliseconds), arrays as arrays, structs and maps as documents.
 */
public final class MongoBatchWriter implements VoidFunction2<Dataset<Row>, Long> {
  private static final Logger LOG = LoggerFactory.getLogger(MongoBatchWriter.class);
  /** Spark's StreamExecution.QUERY_ID_KEY. */
  private static final String QUERY_ID_PROPERTY = "sql.streaming.queryId";
  /** MongoDB's IndexOptionsConflict and IndexKeySpecsConflict: an equivalent index already exists. */
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

  @Override
  public void call(Dataset<Row> batch, Long batchId) {
    boolean upsert = spec.modeOrDefault() == MongoDbSinkSpec.Mode.UPSERT;
    if (upsert && !indexReady) {
      ensureUniqueIndex();
      indexReady = true;
    }
    Dataset<Row> documents = upsert ? batch : withReplayStableIds(batch, batchId);
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

  /** The batch with an {@code _id} per row that a replay of the same batch gives again. */
  private static Dataset<Row> withReplayStableIds(Dataset<Row> batch, long batchId) {
    if (Arrays.asList(batch.columns()).contains(ID)) {
      return batch;
    }
    String queryId = String.valueOf(batch.sparkSession().sparkContext().getLocalProperty(QUERY_ID_PROPERTY));
    Column[] all = Arrays.stream(batch.columns()).map(c -> col("`" + c + "`")).toArray(Column[]::new);
    Column json = to_json(struct(all));
    Column nth = row_number().over(Window.partitionBy(json).orderBy(json));
    return batch.withColumn(ID, concat_ws(":", lit(queryId), lit(batchId), sha2(json, 256), nth.cast("string")))
        .select(listWithIdFirst(batch.columns()));
  }

  private static Column[] listWithIdFirst(String[] columns) {
    List<Column> ordered = new java.util.ArrayList<>();
    ordered.add(col(ID));
    Arrays.stream(columns).map(c -> col("`" + c + "`")).forEach(ordered::add);
    return ordered.toArray(Column[]::new);
  }

  private void ensureUniqueIndex() {
    try (MongoClient client = MongoClients.create(uri)) {
      client.getDatabase(spec.database()).getCollection(spec.collection())
          .createIndex(Indexes.ascending(spec.keysOrEmpty()), new IndexOptions().unique(true).name(INDEX_NAME));
    } catch (MongoCommandException e) {
      if (!INDEX_EXISTS.contains(e.getErrorCode())) {
        throw e;
      }
      LOG.info("[{}] a unique index on {} already exists: {}", sink, spec.keysOrEmpty(), e.getErrorMessage());
    }
  }
}
