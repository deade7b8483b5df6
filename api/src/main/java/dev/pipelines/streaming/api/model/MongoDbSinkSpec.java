package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Writes each micro-batch to a MongoDB collection with the MongoDB Spark connector. Both modes
 * are idempotent, so a micro-batch Spark replays after a crash leaves the collection as one
 * delivery would: {@code upsert} replaces the document with the row's key values;
 * {@code append} gives each row a deterministic {@code _id} (query, batch, content) and
 * replaces by it.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record MongoDbSinkSpec(
    @JsonPropertyDescription("MongoDB connection string without credentials, e.g. mongodb://mongo:27017/?replicaSet=rs0.")
    String uri,
    @JsonPropertyDescription("Database name.") String database,
    @JsonPropertyDescription("Collection name; created on first write.") String collection,
    @JsonPropertyDescription("append (default): one document per row; upsert: one document per key.") Mode mode,
    @JsonPropertyDescription("Key fields for upsert: a unique index on them is created if missing.")
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_SINGLE_VALUE_AS_ARRAY)
    List<String> keys,
    @JsonPropertyDescription("User name, by reference (secretKeyRef or env).") ValueFrom user,
    @JsonPropertyDescription("Password, by reference (secretKeyRef or env).") ValueFrom password,
    @JsonPropertyDescription("The database that holds the user's credentials (the connection string's authSource); "
        + "default admin.") String authSource,
    @JsonPropertyDescription("MongoDB Spark connector write options: maxBatchSize, ordered, writeConcern.w, "
        + "writeConcern.journal, writeConcern.wTimeoutMS, ignoreNullValues.") Map<String, String> options) {

  /** The connector's write options a spec may set; the sink sets the rest (connection, target, operation, keys). */
  public static final Set<String> OPTIONS = Set.of("maxBatchSize", "ordered", "writeConcern.w", "writeConcern.journal",
      "writeConcern.wTimeoutMS", "ignoreNullValues");

  public Map<String, String> optionsOrEmpty() {
    return options == null ? Map.of() : options;
  }

  public Mode modeOrDefault() {
    return mode == null ? Mode.APPEND : mode;
  }

  public List<String> keysOrEmpty() {
    return keys == null ? List.of() : keys;
  }

  /** How rows become documents. */
  public enum Mode {
    @JsonProperty("append") APPEND,
    @JsonProperty("upsert") UPSERT
  }
}
