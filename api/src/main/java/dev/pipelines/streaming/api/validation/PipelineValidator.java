package dev.pipelines.streaming.api.validation;

import dev.pipelines.streaming.api.model.AggregationSpec;
import dev.pipelines.streaming.api.model.AnomalySpec;
import dev.pipelines.streaming.api.model.ExpectationSpec;
import dev.pipelines.streaming.api.model.HttpSinkSpec;
import dev.pipelines.streaming.api.model.JdbcSinkSpec;
import dev.pipelines.streaming.api.model.MongoDbSinkSpec;
import dev.pipelines.streaming.api.model.JoinSpec;
import dev.pipelines.streaming.api.model.AggregationSpec.AggregateFunction;
import dev.pipelines.streaming.api.model.DataFormat;
import dev.pipelines.streaming.api.model.FieldSpec;
import dev.pipelines.streaming.api.model.KafkaCredentials;
import dev.pipelines.streaming.api.model.OutputMode;
import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.SinkSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.model.TransformSpec;
import dev.pipelines.streaming.api.model.TriggerSpec;
import dev.pipelines.streaming.api.model.ValueFrom;
import dev.pipelines.streaming.api.model.WatermarkSpec;
import dev.pipelines.streaming.api.model.WindowSpec;
import dev.pipelines.streaming.api.model.WindowType;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * Semantic checks of a pipeline that binds: references, names, required fields, durations,
 * and the Spark Structured Streaming rules that can be decided from the spec alone. Reports
 * every problem at once. The runner adds what needs Spark (SQL parsing, column resolution).
 */
public final class PipelineValidator {
  private static final Pattern PIPELINE_NAME = Pattern.compile("[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?");
  private static final Pattern STEP_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,62}");
  private static final Pattern SQL_TYPE = Pattern.compile(
      "(string|varchar\\(\\d+\\)|char\\(\\d+\\)|int|integer|long|bigint|short|smallint|byte|tinyint"
          + "|double|float|real|boolean|bool|timestamp|timestamp_ltz|timestamp_ntz|date|binary"
          + "|decimal(\\(\\s*\\d+\\s*(,\\s*\\d+\\s*)?\\))?|(array|map|struct)\\s*<.+>)",
      Pattern.CASE_INSENSITIVE);
  private static final Set<String> RESERVED_KAFKA_OPTIONS = Set.of(
      "subscribe", "subscribepattern", "assign", "kafka.bootstrap.servers", "startingoffsets", "topic");

  /** Set by dedicated fields; the host ones (PostgreSQL's connection properties) would move the connection elsewhere. */
  private static final Set<String> RESERVED_JDBC_OPTIONS = Set.of(
      "url", "dbtable", "query", "driver", "user", "password", "pghost", "pgport", "pgdbname", "host", "port", "service");

  private static final String ROCKSDB_PROVIDER = "org.apache.spark.sql.execution.streaming.state.RocksDBStateStoreProvider";
  private final List<Problem> problems = new ArrayList<>();
  /** Source and transform names (one namespace: both can be read by transforms and sinks). */
  private final Map<String, String> inputPaths = new LinkedHashMap<>();
  /** Inputs whose watermark delay is 0s, with the field's path. */
  private final Map<String, String> zeroDelay = new HashMap<>();
  private final Map<String, SourceSpec> sourcesByName = new LinkedHashMap<>();
  private final Map<String, TransformSpec> transformsByName = new LinkedHashMap<>();
  /** Whether a sink reads the dead letters: a deadLetter rule needs one. */
  private boolean deadLetterSink;
  /** Whether a sink of the dead letters writes to Kafka: where failed HTTP deliveries can go. */
  private boolean kafkaDeadLetterSink;

  private static final Pattern MONGO_AUTH_MECHANISM = Pattern.compile("(?i)[?&]authMechanism=([^&]*)");

  private PipelineValidator() {}

  public static List<Problem> validate(StreamingPipeline pipeline) {
    PipelineValidator v = new PipelineValidator();
    v.checkResource(pipeline);
    return List.copyOf(v.problems);
  }

  private void checkResource(StreamingPipeline p) {
    if (p.apiVersion() == null) {
      add("apiVersion", "required", "set apiVersion: " + StreamingPipeline.API_VERSION);
    } else if (!StreamingPipeline.API_VERSION.equals(p.apiVersion())) {
      add("apiVersion", "must be " + StreamingPipeline.API_VERSION + ", got '" + p.apiVersion() + "'");
    }
    if (p.kind() == null) {
      add("kind", "required", "set kind: " + StreamingPipeline.KIND);
    } else if (!StreamingPipeline.KIND.equals(p.kind())) {
      add("kind", "must be " + StreamingPipeline.KIND + ", got '" + p.kind() + "'");
    }
    String name = p.name();
    if (name == null || name.isBlank()) {
      add("metadata.name", "required", "the pipeline's name, e.g. clicks-per-page");
    } else if (!PIPELINE_NAME.matcher(name).matches()) {
      add("metadata.name", "'" + name + "' is not a valid name",
          "use lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit");
    }
    if (p.spec() == null) {
      add("spec", "required", "a pipeline needs at least spec.sources and spec.sinks");
      return;
    }
    checkSpec(p.spec());
  }

  private void checkSpec(PipelineSpec spec) {
    deadLetterSink = spec.hasDeadLetterSink();
    kafkaDeadLetterSink = spec.sinksOrEmpty().stream()
        .anyMatch(d -> d != null && PipelineSpec.DEAD_LETTERS.equals(d.from()) && d.kafka() != null);
    if (spec.sourcesOrEmpty().isEmpty()) {
      add("spec.sources", "required: at least one source");
    }
    if (spec.sinksOrEmpty().isEmpty()) {
      add("spec.sinks", "required: at least one sink");
    }
    for (int i = 0; i < spec.sourcesOrEmpty().size(); i++) {
      checkSource(spec.sourcesOrEmpty().get(i), "spec.sources[" + i + "]");
    }
    for (int i = 0; i < spec.transformsOrEmpty().size(); i++) {
      TransformSpec t = spec.transformsOrEmpty().get(i);
      if (t != null && registerInput(t.name(), "spec.transforms[" + i + "]")) {
        transformsByName.put(t.name(), t);
      }
    }
    for (int i = 0; i < spec.transformsOrEmpty().size(); i++) {
      checkTransform(spec.transformsOrEmpty().get(i), "spec.transforms[" + i + "]");
    }
    checkCycles(spec);
    Map<String, String> sinkNames = new LinkedHashMap<>();
    for (int i = 0; i < spec.sinksOrEmpty().size(); i++) {
      checkSink(spec.sinksOrEmpty().get(i), "spec.sinks[" + i + "]", sinkNames);
      if (spec.sinksOrEmpty().get(i) != null && PipelineSpec.DEAD_LETTERS.equals(spec.sinksOrEmpty().get(i).from())
          && spec.deadLetterInputs().isEmpty()
          && (spec.deadLetteringHttpSinks().isEmpty() || spec.sinksOrEmpty().get(i).kafka() == null)) {
        add("spec.sinks[" + i + "].from", "no row can become a dead letter in this pipeline",
            "dead letters are rows of Kafka or files sources that do not parse as json/csv, and rows "
                + "violating a rule with onViolation: deadLetter");
      }
    }
    if (deadLetterSink) {
      checkDeadLetterRoutes(spec);
    }
    spec.sparkConfOrEmpty().forEach((key, value) -> {
      String path = "spec.sparkConf[\"" + key + "\"]";
      if (!key.startsWith("spark.")) {
        add(path, "not a Spark setting", "Spark settings start with 'spark.'");
      } else {
        SparkConfPolicy.check(key, value).ifPresent(r -> add(path, r.message(), r.hint()));
      }
    });
    checkStateStoreForAnomalySteps(spec);
    problems.addAll(SecretReferences.collisions(spec));
    problems.addAll(RealTimeRules.check(spec));
  }

  /**
   * An anomaly step runs on Spark's transformWithState, which only the RocksDB state store
   * provider supports (Structured Streaming guide, "transformWithState"): with another provider
   * every start fails in Spark, however often it is retried.
   */
  private void checkStateStoreForAnomalySteps(PipelineSpec spec) {
    String key = "spark.sql.streaming.stateStore.providerClass";
    String provider = spec.sparkConfOrEmpty().get(key);
    if (provider == null || provider.equals(ROCKSDB_PROVIDER)) {
      return;
    }
    List<TransformSpec> transforms = spec.transformsOrEmpty();
    for (int i = 0; i < transforms.size(); i++) {
      TransformSpec t = transforms.get(i);
      if (t != null && t.anomaly() != null) {
        add("spec.sparkConf[\"" + key + "\"]", "the anomaly step '" + t.name() + "' (spec.transforms[" + i
            + "]) runs on Spark's transformWithState, which needs the RocksDB state store; "
            + provider.substring(provider.lastIndexOf('.') + 1) + " cannot run it",
            "remove the setting: RocksDB is the default");
      }
    }
  }

  // ---- sources -------------------------------------------------------------------------

  private void checkSource(SourceSpec s, String path) {
    if (s == null) {
      add(path, "empty source");
      return;
    }
    if (registerInput(s.name(), path)) {
      sourcesByName.put(s.name(), s);
    }
    List<String> kinds = present(Map.of("kafka", s.kafka() != null, "files", s.files() != null,
        "socket", s.socket() != null, "generator", s.generator() != null, "jdbc", s.jdbc() != null));
    if (!exactlyOne(path, kinds, "kafka, files, socket, generator, jdbc")) {
      return;
    }
    switch (kinds.get(0)) {
      case "kafka" -> checkKafkaSource(s, path);
      case "files" -> checkFilesSource(s, path);
      case "socket" -> checkSocketSource(s, path);
      case "jdbc" -> checkJdbcSource(s, path);
      default -> checkGeneratorSource(s, path);
    }
    if (s.isStatic() && s.watermark() != null) {
      add(path + ".watermark", "a static source has no event time to watch", "remove watermark");
    }
    checkSchemaFields(s, path);
    checkWatermark(s, path);
    checkTimestampFormat(s, path);
  }

  private void checkKafkaSource(SourceSpec s, String path) {
    var k = s.kafka();
    String kp = path + ".kafka";
    requireText(k.bootstrapServers(), kp + ".bootstrapServers", "host:port of one or more brokers, comma-separated");
    if (isBlank(k.topic()) && isBlank(k.pattern())) {
      add(kp + ".topic", "required: set topic or pattern");
    } else if (!isBlank(k.topic()) && !isBlank(k.pattern())) {
      add(kp + ".pattern", "set topic or pattern, not both");
    }
    if (!isBlank(k.pattern())) {
      try {
        Pattern.compile(k.pattern());
      } catch (java.util.regex.PatternSyntaxException e) {
        add(kp + ".pattern", "not a valid regular expression: " + e.getDescription());
      }
    }
    String offsets = k.startingOffsets();
    if (offsets != null && !offsets.equals("earliest") && !offsets.equals("latest") && !offsets.trim().startsWith("{")) {
      add(kp + ".startingOffsets", "unknown value '" + offsets + "'",
          "earliest, latest, or a JSON object such as {\"topic\":{\"0\":23}}");
    }
    checkKafkaOptions(k.optionsOrEmpty(), kp, true);
    checkCredentials(k.credentials(), kp + ".credentials");
    checkValueFormat(s, path);
  }

  private void checkKafkaOptions(Map<String, String> options, String path, boolean source) {
    options.forEach((key, value) -> {
      String lower = key.toLowerCase(Locale.ROOT);
      String optionPath = path + ".options[\"" + key + "\"]";
      if (source && lower.equals("includeheaders")) {
        // Spark's option alone adds a binary column that no step reads: the field makes it one
        add(optionPath, "set by the pipeline itself", "use includeHeaders: true (adds the kafkaHeaders column)");
      } else if (RESERVED_KAFKA_OPTIONS.contains(lower)) {
        add(optionPath, "set by the pipeline itself", "use the dedicated field (bootstrapServers, topic, pattern, startingOffsets)");
      } else if (lower.contains("jaas") || lower.contains("password")) {
        add(optionPath, "secrets must not be written in the spec", "use credentials with secretKeyRef or env");
      }
    });
  }

  private void checkCredentials(KafkaCredentials c, String path) {
    if (c == null) {
      return;
    }
    if (c.mechanism() != null && !Set.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512").contains(c.mechanism())) {
      add(path + ".mechanism", "unknown value '" + c.mechanism() + "'",
          Suggestions.hint(c.mechanism(), List.of("PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512")));
    }
    if (c.securityProtocol() != null && !Set.of("SASL_SSL", "SASL_PLAINTEXT").contains(c.securityProtocol())) {
      add(path + ".securityProtocol", "unknown value '" + c.securityProtocol() + "'",
          Suggestions.hint(c.securityProtocol(), List.of("SASL_SSL", "SASL_PLAINTEXT")));
    }
    checkValueFrom(c.username(), path + ".username");
    checkValueFrom(c.password(), path + ".password");
  }

  private void checkValueFrom(ValueFrom v, String path) {
    if (v == null) {
      add(path, "required", "secretKeyRef: {name: ..., key: ...} or env: VARIABLE");
      return;
    }
    if ((v.secretKeyRef() == null) == (v.env() == null)) {
      add(path, "set exactly one of secretKeyRef, env");
      return;
    }
    if (v.secretKeyRef() != null) {
      requireText(v.secretKeyRef().name(), path + ".secretKeyRef.name", "the Secret's name");
      requireText(v.secretKeyRef().key(), path + ".secretKeyRef.key", "the key inside the Secret");
    } else {
      requireText(v.env(), path + ".env", "an environment variable name");
      if (v.env() != null && v.env().toUpperCase(Locale.ROOT).startsWith("SPO_")) {
        add(path + ".env", "'" + v.env() + "' is one of the runner's own variables (SPO_*), not the pipeline's",
            "use secretKeyRef for a Secret, or another variable");
      }
    }
  }

  private void checkFilesSource(SourceSpec s, String path) {
    var f = s.files();
    requireText(f.path(), path + ".files.path", "a directory such as /data/in or s3a://bucket/in");
    if (f.format() == null) {
      add(path + ".files.format", "required", "json, csv, parquet or text");
    } else if (f.format() != DataFormat.TEXT && s.schemaOrEmpty().isEmpty()) {
      add(path + ".schema", "required for " + f.format().sparkName() + " files",
          "streaming file sources need a declared schema: - {name: id, type: long}");
    } else if (f.format() == DataFormat.TEXT && !s.schemaOrEmpty().isEmpty()) {
      add(path + ".schema", "text files have one column 'value'; remove schema");
    }
    if (s.format() != null) {
      add(path + ".format", "not used by files sources", "set " + path + ".files.format instead");
    }
    if (f.maxFilesPerTrigger() != null && f.maxFilesPerTrigger() < 1) {
      add(path + ".files.maxFilesPerTrigger", "must be at least 1");
    }
    if (f.refreshInterval() != null && !s.isStatic()) {
      add(path + ".files.refreshInterval", "only for static files (static: true)",
          "a streaming files source picks up new files every micro-batch; remove refreshInterval");
    } else if (s.isStatic()) {
      checkRefreshInterval(f.refreshIntervalOrDefault(), path + ".files.refreshInterval");
      if (f.path() != null && f.path().matches(".*[*?\\[{].*")) {
        add(path + ".files.path", "a static table is a directory; a glob pattern would not be listed again at a refresh",
            "point path at the directory; options.pathGlobFilter picks files by name");
      }
    }
  }

  /** At least a second: each refresh reads the whole table again. */
  private void checkRefreshInterval(String interval, String path) {
    checkDuration(interval, path, false).filter(d -> d.compareTo(Duration.ofSeconds(1)) < 0)
        .ifPresent(d -> add(path, "must be at least 1s", "each refresh reads the whole table again"));
  }

  private void checkSocketSource(SourceSpec s, String path) {
    requireText(s.socket().host(), path + ".socket.host", "e.g. localhost");
    Integer port = s.socket().port();
    if (port == null) {
      add(path + ".socket.port", "required");
    } else if (port < 1 || port > 65535) {
      add(path + ".socket.port", "must be between 1 and 65535, got " + port);
    }
    checkValueFormat(s, path);
  }

  private void checkGeneratorSource(SourceSpec s, String path) {
    var g = s.generator();
    if (g.rowsPerSecond() != null && (g.rowsPerSecond() < 1 || g.rowsPerSecond() > 1_000_000)) {
      add(path + ".generator.rowsPerSecond", "must be between 1 and 1000000, got " + g.rowsPerSecond());
    }
    if (g.users() != null && g.users() < 1) {
      add(path + ".generator.users", "must be at least 1, got " + g.users());
    }
    if (!s.schemaOrEmpty().isEmpty()) {
      add(path + ".schema", "a generator's columns are fixed; remove schema",
          "columns: " + columnNames(g.kindOrDefault().columns()));
    }
    if (s.format() != null) {
      add(path + ".format", "not used by generator sources; remove it");
    }
  }

  private void checkJdbcSource(SourceSpec s, String path) {
    checkJdbcConnection(s.jdbc().url(), s.jdbc().table(), s.jdbc().user(), s.jdbc().password(), path + ".jdbc");
    checkRefreshInterval(s.jdbc().refreshIntervalOrDefault(), path + ".jdbc.refreshInterval");
    s.jdbc().optionsOrEmpty().forEach((key, value) -> {
      String lower = key.toLowerCase(Locale.ROOT);
      String optionPath = path + ".jdbc.options[\"" + key + "\"]";
      if (RESERVED_JDBC_OPTIONS.contains(lower)) {
        add(optionPath, "set by the pipeline itself", "use the dedicated field (url, table, user, password)");
      } else if (lower.contains("password")) {
        add(optionPath, "secrets must not be written in the spec", "use password with secretKeyRef or env");
      }
    });
    if (!s.schemaOrEmpty().isEmpty()) {
      add(path + ".schema", "a table's columns come from the database; remove schema");
    }
    if (s.format() != null) {
      add(path + ".format", "not used by jdbc sources; remove it");
    }
  }

  private void checkJdbcConnection(String url, String table, ValueFrom user, ValueFrom password, String path) {
    if (requireText(url, path + ".url", "e.g. jdbc:postgresql://db:5432/shop") && !url.startsWith("jdbc:postgresql:")) {
      add(path + ".url", "only PostgreSQL URLs are supported", "jdbc:postgresql://host:5432/database");
    }
    Credentials.inJdbcUrl(url).ifPresent(where -> add(path + ".url",
        "carries a credential (" + where + "); secrets must not be written in the spec",
        "remove it from the URL and set user and password with secretKeyRef: {name: ..., key: ...}"));
    if (requireText(table, path + ".table", "a table name such as page_views or analytics.page_views")
        && !table.matches("[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)?")) {
      add(path + ".table", "'" + table + "' is not a plain table name", "letters, digits and '_', optionally schema.table");
    }
    if (user != null) {
      checkValueFrom(user, path + ".user");
    }
    if (password != null) {
      checkValueFrom(password, path + ".password");
    }
  }

  /** Kafka and socket values: json/csv need a schema, text has one column 'value'. */
  private void checkValueFormat(SourceSpec s, String path) {
    DataFormat format = s.formatOrDefault();
    if (format == DataFormat.PARQUET) {
      add(path + ".format", "parquet is only for files sources", "json, csv or text");
    } else if (format == DataFormat.TEXT && !s.schemaOrEmpty().isEmpty()) {
      add(path + ".schema", "text values have one column 'value'; remove schema");
    } else if (format != DataFormat.TEXT && s.schemaOrEmpty().isEmpty()) {
      add(path + ".schema", "required for " + format.sparkName() + " values",
          "list the value's fields, e.g. - {name: userId, type: string}, or set format: text");
    }
  }

  private void checkSchemaFields(SourceSpec s, String path) {
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < s.schemaOrEmpty().size(); i++) {
      FieldSpec f = s.schemaOrEmpty().get(i);
      String fp = path + ".schema[" + i + "]";
      if (f == null) {
        add(fp, "empty field");
        continue;
      }
      if (requireText(f.name(), fp + ".name", "the column name") && !seen.add(f.name().toLowerCase(Locale.ROOT))) {
        add(fp + ".name", "duplicate column '" + f.name() + "'");
      }
      if (requireText(f.type(), fp + ".type", "a Spark SQL type such as string, long, double, timestamp")
          && !SQL_TYPE.matcher(f.type().trim()).matches()) {
        add(fp + ".type", "unknown type '" + f.type() + "'", Suggestions.hint(f.type(),
            List.of("string", "int", "long", "double", "float", "boolean", "timestamp", "date", "binary", "decimal(10,2)")));
      }
    }
  }

  /** A pattern Java can read (Spark's are a subset), on a source whose json/csv values Spark parses. */
  private void checkTimestampFormat(SourceSpec s, String path) {
    if (s.timestampFormat() == null) {
      return;
    }
    Set<DataFormat> textual = Set.of(DataFormat.JSON, DataFormat.CSV);
    boolean parsed = (s.kafka() != null || s.socket() != null) ? textual.contains(s.formatOrDefault())
        : s.files() != null && textual.contains(s.files().format());
    if (!parsed) {
      add(path + ".timestampFormat", "only json and csv values or files are parsed with a timestamp format",
          "remove it");
      return;
    }
    String weekBased = weekBasedLetters(s.timestampFormat());
    if (!weekBased.isEmpty()) {
      add(path + ".timestampFormat", "Spark does not parse week-based fields (" + weekBased + ")",
          "use y for the year, d for the day of month, e.g. yyyy-MM-dd'T'HH:mm:ssXXX");
      return;
    }
    try {
      java.time.format.DateTimeFormatter.ofPattern(s.timestampFormat());
    } catch (IllegalArgumentException e) {
      add(path + ".timestampFormat", "'" + s.timestampFormat() + "' is not a datetime pattern: " + e.getMessage(),
          "e.g. yyyy-MM-dd'T'HH:mm[:ss]XXX (Spark's Datetime Patterns)");
    }
  }

  private void checkWatermarkDelay(WatermarkSpec w, String watermarkPath, String input) {
    checkDuration(w.delay(), watermarkPath + ".delay", true).filter(Duration::isZero)
        .ifPresent(zero -> zeroDelay.put(input, watermarkPath + ".delay"));
    if (!WatermarkSpec.OFF.equals(w.maxAheadOrDefault())) {
      checkDuration(w.maxAheadOrDefault(), watermarkPath + ".maxAhead", false)
          .ifPresent(d -> positive(d, watermarkPath + ".maxAhead"));
    }
  }

  /**
   * A dedupe or stream-stream join behind a 0s watermark delay drops a row whose event time
   * equals the newest event time of an earlier batch (it is already at the watermark): refused,
   * at the watermark, with the reason. Windows are not affected (a window ends after its rows).
   */
  private void checkZeroDelayBefore(String input, String consumerPath, String consumer) {
    for (String n : lineage(input)) {
      String delayPath = zeroDelay.get(n);
      if (delayPath != null) {
        add(delayPath, "must be more than 0s before " + consumer + " at " + consumerPath + ": a row whose event time "
            + "equals the newest event time of an earlier batch is already at the watermark and is dropped",
            "1s keeps such rows");
      }
    }
  }

  /** Pattern letters Spark 3+ refuses for parsing (Y, w, u, e, c), outside quoted text. */
  private static String weekBasedLetters(String pattern) {
    StringBuilder found = new StringBuilder();
    boolean quoted = false;
    for (char c : pattern.toCharArray()) {
      if (c == '\'') {
        quoted = !quoted;
      } else if (!quoted && "Ywuec".indexOf(c) >= 0 && found.indexOf(String.valueOf(c)) < 0) {
        found.append(found.length() == 0 ? "" : ", ").append(c);
      }
    }
    return found.toString();
  }

  private void checkWatermark(SourceSpec s, String path) {
    if (s.watermark() == null) {
      return;
    }
    String wp = path + ".watermark";
    checkWatermarkDelay(s.watermark(), wp, s.name());
    String column = s.watermark().column();
    if (!requireText(column, wp + ".column", "the event-time column")) {
      return;
    }
    Map<String, String> columns = declaredColumns(s);
    if (columns.isEmpty()) {
      return; // unknown shape (e.g. bad source kind): reported elsewhere
    }
    String type = columns.get(column);
    if (type == null) {
      add(wp + ".column", "no column '" + column + "' in this source", Suggestions.hint(column, columns.keySet()));
    } else if (!type.toLowerCase(Locale.ROOT).startsWith("timestamp")) {
      add(wp + ".column", "'" + column + "' is " + type + "; a watermark needs a timestamp column",
          "declare it as type: timestamp");
    }
  }

  /** Column name → declared type, as far as the spec alone tells. */
  private static Map<String, String> declaredColumns(SourceSpec s) {
    Map<String, String> columns = new LinkedHashMap<>();
    List<FieldSpec> fields = s.generator() != null ? s.generator().kindOrDefault().columns() : s.schemaOrEmpty();
    for (FieldSpec f : fields) {
      if (f != null && f.name() != null && f.type() != null) {
        columns.put(f.name(), f.type());
      }
    }
    boolean text = s.files() != null ? s.files().format() == DataFormat.TEXT : s.formatOrDefault() == DataFormat.TEXT;
    if (s.generator() == null && text) {
      columns.put("value", "string");
    }
    if (s.kafka() != null && s.kafka().includeMetadataOrDefault()) {
      columns.put("kafkaKey", "string");
      columns.put("kafkaTopic", "string");
      columns.put("kafkaPartition", "int");
      columns.put("kafkaOffset", "long");
      columns.put("kafkaTimestamp", "timestamp");
    }
    if (s.kafka() != null && s.kafka().includeHeadersOrDefault()) {
      columns.put("kafkaHeaders", "array<struct<key:string,value:string>>");
    }
    return columns;
  }

  // ---- transforms ----------------------------------------------------------------------

  private void checkTransform(TransformSpec t, String path) {
    if (t == null) {
      add(path, "empty transform");
      return;
    }
    List<String> kinds = present(Map.of("filter", t.filter() != null, "select", t.select() != null,
        "sql", t.sql() != null, "window", t.window() != null, "join", t.join() != null,
        "dedupe", t.dedupe() != null, "anomaly", t.anomaly() != null));
    boolean kindOk = exactlyOne(path, kinds, "filter, select, sql, window, join, dedupe, anomaly");
    checkExpectations(t.expectationsOrEmpty(), path + ".expectations");
    if (t.watermark() != null) {
      checkWatermarkDelay(t.watermark(), path + ".watermark", t.name());
      requireText(t.watermark().column(), path + ".watermark.column", "a timestamp column of this transform's output");
    }
    List<String> from = t.fromOrEmpty();
    if (from.isEmpty()) {
      add(path + ".from", "required", "the name of a source or an earlier transform");
    }
    for (int i = 0; i < from.size(); i++) {
      String fp = from.size() == 1 ? path + ".from" : path + ".from[" + i + "]";
      checkReference(from.get(i), fp);
      if (from.get(i) != null && from.get(i).equals(t.name()) && path.equals(inputPaths.get(t.name()))) {
        add(fp, "a transform cannot read from itself");
      }
    }
    if (!kindOk) {
      return;
    }
    if (t.join() != null && from.size() != 2) {
      add(path + ".from", "a join reads two inputs (left, right), got " + from.size());
    } else if (t.sql() == null && t.join() == null && from.size() > 1) {
      add(path + ".from", kinds.get(0) + " reads one input, got " + from.size(), "use sql or join to combine inputs");
    }
    switch (t.kind()) {
      case FILTER -> requireText(t.filter(), path + ".filter", "a SQL condition such as amount > 10");
      case SQL -> requireText(t.sql(), path + ".sql", "a SELECT over the inputs named in from");
      case SELECT -> {
        if (t.select().isEmpty()) {
          add(path + ".select", "required: at least one expression");
        }
        for (int i = 0; i < t.select().size(); i++) {
          requireText(t.select().get(i), path + ".select[" + i + "]", "a SQL expression such as amount * 2 AS doubled");
        }
      }
      case WINDOW -> checkWindow(t.window(), path + ".window");
      case JOIN -> checkJoin(t, path);
      case DEDUPE -> checkDedupe(t, path);
      case ANOMALY -> checkAnomaly(t, path + ".anomaly");
    }
  }

  /** Only join shapes Spark accepts on streams, so it never rejects them at runtime. */
  private void checkJoin(TransformSpec t, String path) {
    var j = t.join();
    String jp = path + ".join";
    if (j.keysOrEmpty().isEmpty()) {
      add(jp + ".keys", "required: the key columns both sides share", "e.g. keys: [userId]");
    }
    for (int i = 0; i < j.keysOrEmpty().size(); i++) {
      requireText(j.keysOrEmpty().get(i), jp + ".keys[" + i + "]", "a column name");
    }
    boolean bounded = j.within() != null;
    if (bounded) {
      checkDuration(j.within(), jp + ".within", true);
      requireText(j.leftTime(), jp + ".leftTime", "the left input's event-time column");
      requireText(j.rightTime(), jp + ".rightTime", "the right input's event-time column");
    } else if (j.leftTime() != null || j.rightTime() != null) {
      add(jp + ".within", "required with leftTime/rightTime", "how far apart matching events may be, e.g. 10m");
    }
    if (t.fromOrEmpty().size() != 2 || !t.fromOrEmpty().stream().allMatch(inputPaths::containsKey)) {
      return;
    }
    String left = t.fromOrEmpty().get(0);
    String right = t.fromOrEmpty().get(1);
    boolean leftStatic = isStaticInput(left);
    boolean rightStatic = isStaticInput(right);
    JoinSpec.JoinType type = j.typeOrDefault();
    if (leftStatic && rightStatic) {
      add(path + ".from", "both inputs are static tables", "a join needs at least one streaming input");
    } else if (leftStatic || rightStatic) {
      boolean outerOnStaticSide = (type == JoinSpec.JoinType.LEFT && leftStatic) || (type == JoinSpec.JoinType.RIGHT && rightStatic);
      if (outerOnStaticSide) {
        add(jp + ".type", "a " + type.name().toLowerCase(Locale.ROOT) + " outer join must keep the streaming side",
            "Spark supports stream-static inner joins and outer joins that keep the stream; swap the inputs or use inner");
      }
      if (bounded) {
        add(jp + ".within", "only for joins of two streams", "a static table has no event time; remove within");
      }
    } else if (type != JoinSpec.JoinType.INNER) {
      if (!bounded) {
        add(jp + ".within", "required for a " + type.name().toLowerCase(Locale.ROOT) + " outer join of two streams",
            "set leftTime, rightTime and within, so Spark knows when an unmatched row is final");
      }
      for (String side : List.of(left, right)) {
        if (!hasWatermark(side)) {
          add(path + ".from", "input '" + side + "' has no watermark; outer joins of streams need one on both sides",
              "add watermark to the source of '" + side + "', or to the transform that makes its event time");
        }
      }
    }
    if (!leftStatic && !rightStatic) {
      checkZeroDelayBefore(left, jp, "a join of two streams");
      checkZeroDelayBefore(right, jp, "a join of two streams");
    }
  }

  private void checkDedupe(TransformSpec t, String path) {
    List<String> keys = t.dedupe().keysOrEmpty();
    if (keys.isEmpty()) {
      add(path + ".dedupe.keys", "required: the columns that identify a duplicate", "e.g. keys: [eventId]");
    }
    for (int i = 0; i < keys.size(); i++) {
      requireText(keys.get(i), path + ".dedupe.keys[" + i + "]", "a column name");
    }
    if (t.fromOrEmpty().size() == 1 && inputPaths.containsKey(t.fromOrEmpty().get(0)) && !hasWatermark(t.fromOrEmpty().get(0))) {
      add(path + ".dedupe", "needs a watermark upstream: keys are remembered for the watermark delay",
          "add watermark to the source, or to the transform that makes the event time; without it Spark would keep "
              + "every key forever");
    }
    if (t.fromOrEmpty().size() == 1 && t.fromOrEmpty().get(0) != null) {
      checkZeroDelayBefore(t.fromOrEmpty().get(0), path + ".dedupe", "a dedupe");
    }
  }

  private void checkAnomaly(TransformSpec t, String path) {
    var a = t.anomaly();
    requireText(a.column(), path + ".column", "the numeric column to score");
    for (int i = 0; i < a.keysOrEmpty().size(); i++) {
      requireText(a.keysOrEmpty().get(i), path + ".keys[" + i + "]", "a column name");
    }
    if (a.threshold() != null && a.threshold() <= 0) {
      add(path + ".threshold", "must be greater than 0, got " + a.threshold());
    }
    if (a.windowSize() != null && a.windowSize() < 2) {
      add(path + ".windowSize", "must be at least 2, got " + a.windowSize());
    }
    if (a.alpha() != null && (a.alpha() <= 0 || a.alpha() > 1)) {
      add(path + ".alpha", "must be in (0, 1], got " + a.alpha());
    }
    if (a.minSamples() != null && a.minSamples() < 1) {
      add(path + ".minSamples", "must be at least 1, got " + a.minSamples());
    }
    Optional<Duration> ttl = AnomalySpec.OFF.equals(a.stateTtlOrDefault()) ? Optional.empty()
        : checkDuration(a.stateTtlOrDefault(), path + ".stateTtl", false);
    ttl.ifPresent(d -> positive(d, path + ".stateTtl"));
    if (a.stateTtl() != null && ttl.isPresent() && t.fromOrEmpty().size() == 1
        && inputPaths.containsKey(t.fromOrEmpty().get(0)) && !hasWatermark(t.fromOrEmpty().get(0))) {
      add(path + ".stateTtl", "needs a watermark upstream: a key's history expires when the watermark passes its "
          + "newest row by this long", "add watermark to the source or to the transform that makes the event time, "
          + "or set stateTtl: off");
    }
    if (a.methodOrDefault() == AnomalySpec.AnomalyMethod.EWMA && a.windowSize() != null) {
      add(path + ".windowSize", "only for method zscore", "ewma forgets by alpha; remove windowSize");
    }
    if (a.methodOrDefault() == AnomalySpec.AnomalyMethod.ZSCORE && a.alpha() != null) {
      add(path + ".alpha", "only for method ewma", "zscore uses windowSize; remove alpha");
    }
  }

  private void checkExpectations(List<ExpectationSpec> expectations, String path) {
    Set<String> names = new HashSet<>();
    for (int i = 0; i < expectations.size(); i++) {
      ExpectationSpec e = expectations.get(i);
      String ep = path + "[" + i + "]";
      if (e == null) {
        add(ep, "empty expectation");
        continue;
      }
      if (checkName(e.name(), ep + ".name") && !names.add(e.name())) {
        add(ep + ".name", "duplicate expectation '" + e.name() + "'");
      }
      requireText(e.condition(), ep + ".condition", "a SQL condition every row should meet, e.g. amount >= 0");
      if (e.onViolationOrDefault() == ExpectationSpec.OnViolation.DEAD_LETTER && !deadLetterSink) {
        add(ep + ".onViolation", "deadLetter needs a sink reading the dead letters",
            "add a sink with from: deadLetters (kafka, files or console), e.g. {name: rejected, from: deadLetters, "
                + "kafka: {bootstrapServers: ..., topic: clicks-dead-letters}}");
      }
      if (e.onViolationOrDefault() == ExpectationSpec.OnViolation.DEAD_LETTER && e.condition() != null
          && NON_DETERMINISTIC.matcher(e.condition()).find()) {
        add(ep + ".condition", "a deadLetter rule must give the same answer twice: the dead-letter query checks it "
            + "again, at its own time", "compare with the row's own columns, not the clock or random numbers; or use drop");
      }
    }
  }

  /** Spark's rule: the start offset must be shorter than the slide (a tumbling window's size). */
  private void checkStartTime(WindowSpec w, Optional<Duration> slide, String path) {
    Optional<Duration> start = checkDuration(w.startTime(), path + ".startTime", false);
    if (start.isPresent() && slide.isPresent() && start.get().compareTo(slide.get()) >= 0) {
      add(path + ".startTime", "must be shorter than the " + (w.slide() == null ? "size" : "slide") + " ("
          + (w.slide() == null ? w.size() : w.slide()) + "), got " + w.startTime(),
          "an offset of a whole " + (w.slide() == null ? "size" : "slide") + " is no offset");
    }
  }

  private void checkWindow(WindowSpec w, String path) {
    WindowType type = w.type() == null ? WindowType.TUMBLING : w.type();
    requireText(w.column(), path + ".column", "the event-time column, e.g. eventTime");
    switch (type) {
      case TUMBLING -> {
        Optional<Duration> size = checkDuration(w.size(), path + ".size", true);
        size.ifPresent(d -> positive(d, path + ".size"));
        if (w.slide() != null) {
          add(path + ".slide", "only sliding windows have a slide", "set type: sliding, or remove slide");
        }
        if (w.gap() != null) {
          add(path + ".gap", "only session windows have a gap", "set type: session, or remove gap");
        }
        checkStartTime(w, size, path);
      }
      case SLIDING -> {
        Optional<Duration> size = checkDuration(w.size(), path + ".size", true);
        Optional<Duration> slide = checkDuration(w.slide(), path + ".slide", true);
        size.ifPresent(d -> positive(d, path + ".size"));
        slide.ifPresent(d -> positive(d, path + ".slide"));
        if (size.isPresent() && slide.isPresent() && slide.get().compareTo(size.get()) > 0) {
          add(path + ".slide", "slide (" + w.slide() + ") is longer than size (" + w.size() + ")",
              "a sliding window's slide must be at most its size; rows between windows would be lost");
        }
        if (w.gap() != null) {
          add(path + ".gap", "only session windows have a gap", "set type: session, or remove gap");
        }
        checkStartTime(w, slide, path);
      }
      case SESSION -> {
        checkDuration(w.gap(), path + ".gap", true).ifPresent(d -> positive(d, path + ".gap"));
        if (w.size() != null) {
          add(path + ".size", "session windows have no size; they close after gap without events", "remove size");
        }
        if (w.slide() != null) {
          add(path + ".slide", "session windows have no slide", "remove slide");
        }
        if (w.startTime() != null) {
          add(path + ".startTime", "session windows start with their first event", "remove startTime");
        }
      }
    }
    for (int i = 0; i < w.groupByOrEmpty().size(); i++) {
      requireText(w.groupByOrEmpty().get(i), path + ".groupBy[" + i + "]", "a column name");
    }
    if (w.aggregationsOrEmpty().isEmpty()) {
      add(path + ".aggregations", "required: at least one aggregation", "e.g. - {fn: count, as: events}");
    }
    Set<String> outputs = new HashSet<>(Set.of("windowstart", "windowend"));
    w.groupByOrEmpty().stream().filter(g -> g != null).forEach(g -> outputs.add(g.toLowerCase(Locale.ROOT)));
    for (int i = 0; i < w.aggregationsOrEmpty().size(); i++) {
      AggregationSpec a = w.aggregationsOrEmpty().get(i);
      String ap = path + ".aggregations[" + i + "]";
      if (a == null) {
        add(ap, "empty aggregation");
        continue;
      }
      if (a.fn() == null) {
        add(ap + ".fn", "required", "count, sum, avg, min, max or approx_count_distinct");
        continue;
      }
      if (a.fn() != AggregateFunction.COUNT && isBlank(a.column())) {
        add(ap + ".column", "required for " + a.fn().name().toLowerCase(Locale.ROOT), "the column to aggregate");
        continue;
      }
      if (a.alias() != null && !STEP_NAME.matcher(a.alias()).matches()) {
        add(ap + ".as", "'" + a.alias() + "' is not a valid column name", "letters, digits and '_', starting with a letter");
      } else if (!outputs.add(a.outputName().toLowerCase(Locale.ROOT))) {
        add(ap + ".as", "output column '" + a.outputName() + "' already exists", "give this aggregation another name with as");
      }
    }
  }

  private void checkCycles(PipelineSpec spec) {
    Set<String> done = new HashSet<>();
    for (int i = 0; i < spec.transformsOrEmpty().size(); i++) {
      TransformSpec t = spec.transformsOrEmpty().get(i);
      if (t != null && t.name() != null && !done.contains(t.name())) {
        List<String> stack = new ArrayList<>();
        Optional<List<String>> cycle = findCycle(t.name(), stack, done);
        cycle.ifPresent(done::addAll); // report each loop once, not once per member
        if (cycle.isPresent() && cycle.get().size() > 2) { // size 2 = self reference, reported already
          add("spec.transforms[" + i + "].from", "cycle: " + String.join(" -> ", cycle.get()),
              "transforms must form a graph without loops");
        }
      }
    }
  }

  private Optional<List<String>> findCycle(String name, List<String> stack, Set<String> done) {
    int at = stack.indexOf(name);
    if (at >= 0) {
      List<String> cycle = new ArrayList<>(stack.subList(at, stack.size()));
      cycle.add(name);
      return Optional.of(cycle);
    }
    TransformSpec t = transformsByName.get(name);
    if (t == null || done.contains(name)) {
      return Optional.empty();
    }
    stack.add(name);
    for (String input : t.fromOrEmpty()) {
      Optional<List<String>> cycle = findCycle(input, stack, done);
      if (cycle.isPresent()) {
        return cycle;
      }
    }
    stack.remove(stack.size() - 1);
    done.add(name);
    return Optional.empty();
  }

  // ---- sinks ---------------------------------------------------------------------------

  private void checkSink(SinkSpec s, String path, Map<String, String> sinkNames) {
    if (s == null) {
      add(path, "empty sink");
      return;
    }
    if (checkName(s.name(), path + ".name") && sinkNames.putIfAbsent(s.name(), path) != null) {
      add(path + ".name", "duplicate sink name '" + s.name() + "', also used by " + sinkNames.get(s.name()),
          "each sink is a query with its own checkpoint directory; names must be unique");
    }
    boolean deadLetters = PipelineSpec.DEAD_LETTERS.equals(s.from());
    if (isBlank(s.from())) {
      add(path + ".from", "required", "the name of a source or transform, or deadLetters");
    } else if (!deadLetters) {
      checkReference(s.from(), path + ".from");
    }
    checkTrigger(s.trigger(), path + ".trigger");
    checkExpectations(s.expectationsOrEmpty(), path + ".expectations");
    List<String> kinds = present(Map.of("console", s.console() != null, "files", s.files() != null,
        "kafka", s.kafka() != null, "jdbc", s.jdbc() != null, "mongodb", s.mongodb() != null, "http", s.http() != null));
    if (!exactlyOne(path, kinds, "console, files, kafka, jdbc, mongodb, http")) {
      return;
    }
    switch (s.kind()) {
      case CONSOLE -> {
        if (s.console().numRows() != null && s.console().numRows() < 1) {
          add(path + ".console.numRows", "must be at least 1");
        }
      }
      case FILES -> {
        requireText(s.files().path(), path + ".files.path", "an output directory such as /data/out or s3a://bucket/out");
        if (s.files().format() == DataFormat.TEXT) {
          add(path + ".files.format", "text is not supported for sinks", "parquet, json or csv");
        }
        for (int i = 0; i < s.files().partitionByOrEmpty().size(); i++) {
          requireText(s.files().partitionByOrEmpty().get(i), path + ".files.partitionBy[" + i + "]", "a column name");
        }
        if (s.outputModeOrDefault() != OutputMode.APPEND) {
          add(path + ".outputMode", "the files sink supports only append",
              "files are never rewritten; use outputMode: append with a watermark");
        }
      }
      case KAFKA -> {
        requireText(s.kafka().bootstrapServers(), path + ".kafka.bootstrapServers", "host:port of one or more brokers");
        requireText(s.kafka().topic(), path + ".kafka.topic", "the topic to write to");
        if (s.kafka().key() != null && s.kafka().key().isBlank()) {
          add(path + ".kafka.key", "must not be empty", "a SQL expression such as userId, or remove key");
        }
        checkKafkaOptions(s.kafka().optionsOrEmpty(), path + ".kafka", false);
        checkCredentials(s.kafka().credentials(), path + ".kafka.credentials");
      }
      case JDBC -> checkJdbcSink(s, path);
      case MONGODB -> checkMongoDbSink(s, path + ".mongodb");
      case HTTP -> checkHttpSink(s, path);
    }
    if (deadLetters) {
      checkDeadLetterSink(s, path);
    } else {
      checkOutputModeAgainstLineage(s, path);
    }
  }

  /**
   * The dead-letter query runs the steps before each deadLetter rule a second time, in its own
   * micro-batches: only stateless steps give it the same rows the main query removes (a window
   * or dedupe would keep a second state, emit at other times, in append mode only). Each rule's
   * metrics are named after its step, so a sink with rules must not share a parsing source's name.
   */
  private void checkDeadLetterRoutes(PipelineSpec spec) {
    for (int i = 0; i < spec.transformsOrEmpty().size(); i++) {
      TransformSpec t = spec.transformsOrEmpty().get(i);
      if (t != null && t.name() != null && PipelineSpec.routesToDeadLetters(t.expectationsOrEmpty())) {
        refuseAfterState(t.name(), "spec.transforms[" + i + "].expectations");
      }
    }
    Set<String> parsingSources = new HashSet<>();
    spec.sourcesOrEmpty().stream().filter(s -> s != null && s.parsesRows()).forEach(s -> parsingSources.add(s.name()));
    for (int i = 0; i < spec.sinksOrEmpty().size(); i++) {
      SinkSpec s = spec.sinksOrEmpty().get(i);
      if (s == null || s.from() == null || PipelineSpec.DEAD_LETTERS.equals(s.from())) {
        continue;
      }
      if (PipelineSpec.routesToDeadLetters(s.expectationsOrEmpty())) {
        refuseAfterState(s.from(), "spec.sinks[" + i + "].expectations");
      }
      if (!s.expectationsOrEmpty().isEmpty() && parsingSources.contains(s.name())) {
        add("spec.sinks[" + i + "].name", "'" + s.name() + "' is also a source whose unparsable rows are counted under "
            + "its name", "rename the sink");
      }
    }
  }

  /**
   * Refuses the deadLetter rules at {@code path} when a step keeping state leads to {@code input}
   * (itself included): a window, dedupe, anomaly or join of two streams (a lookup join keeps none).
   */
  private void refuseAfterState(String input, String path) {
    PipelineSpec.lineage(transformsByName, input).stream().map(transformsByName::get)
        .filter(t -> t != null && t.isStateful() && (t.join() == null || t.fromOrEmpty().stream().noneMatch(this::isStaticInput)))
        .map(TransformSpec::name).findFirst()
        .ifPresent(s -> add(path, "a deadLetter rule after stateful step '" + s + "': the dead-letter query would run that "
            + "step again, with its own state", "use drop or fail here, or put the rule before '" + s + "'"));
  }

  /**
   * A sink of the dead letters writes them where they can be read again and replayed: Kafka, files
   * or the console, appended; its own rules cannot send rows back to it.
   */
  private void checkDeadLetterSink(SinkSpec s, String path) {
    if (s.jdbc() != null || s.mongodb() != null || s.http() != null) {
      add(path + "." + kindName(s), "dead letters go to kafka, files or console",
          "a topic or a directory keeps them for replay");
    }
    if (s.outputModeOrDefault() != OutputMode.APPEND) {
      add(path + ".outputMode", "dead letters are appended", "remove outputMode");
    }
    for (int i = 0; i < s.expectationsOrEmpty().size(); i++) {
      ExpectationSpec e = s.expectationsOrEmpty().get(i);
      if (e != null && e.onViolationOrDefault() == ExpectationSpec.OnViolation.DEAD_LETTER) {
        add(path + ".expectations[" + i + "].onViolation", "a dead-letter sink cannot send rows to the dead letters",
            "use drop or warn");
      }
    }
  }

  private void checkJdbcSink(SinkSpec s, String path) {
    var j = s.jdbc();
    checkJdbcConnection(j.url(), j.table(), j.user(), j.password(), path + ".jdbc");
    for (int i = 0; i < j.keysOrEmpty().size(); i++) {
      requireText(j.keysOrEmpty().get(i), path + ".jdbc.keys[" + i + "]", "a column name");
    }
    if (j.modeOrDefault() == JdbcSinkSpec.JdbcWriteMode.UPSERT && j.keysOrEmpty().isEmpty()) {
      add(path + ".jdbc.keys", "required for mode upsert", "the columns that identify a row, e.g. [windowStart, page]");
    }
    if (j.modeOrDefault() == JdbcSinkSpec.JdbcWriteMode.APPEND && s.outputModeOrDefault() != OutputMode.APPEND) {
      add(path + ".jdbc.mode", "append would insert a row again each time " + s.outputModeOrDefault().value()
          + " mode re-emits it", "use mode: upsert with keys");
    }
  }

  private static String kindName(SinkSpec s) {
    return s.kind().name().toLowerCase(Locale.ROOT);
  }

  /**
   * A MongoDB sink: a mongodb:// or mongodb+srv:// connection string without credentials, names
   * MongoDB accepts (its "Naming Restrictions"), keys for upsert, credentials by reference.
   */
  private void checkMongoDbSink(SinkSpec s, String path) {
    MongoDbSinkSpec m = s.mongodb();
    if (requireText(m.uri(), path + ".uri", "e.g. mongodb://mongo:27017") && !m.uri().matches("(?i)^mongodb(\\+srv)?://.+")) {
      add(path + ".uri", "not a MongoDB connection string", "mongodb://host:27017 or mongodb+srv://cluster.example.com");
    }
    Credentials.inMongoUri(m.uri()).ifPresent(where -> add(path + ".uri",
        "carries a credential (" + where + "); secrets must not be written in the spec",
        "remove it from the connection string and set user and password with secretKeyRef: {name: ..., key: ...}"));
    if (requireText(m.database(), path + ".database", "a database name such as shop")
        && !m.database().matches("[^/\\\\. \"$*<>:|?]{1,63}")) {
      add(path + ".database", "'" + m.database() + "' is not a MongoDB database name",
          "at most 63 characters, none of / \\ . space \" $ * < > : | ?");
    }
    if (requireText(m.collection(), path + ".collection", "a collection name such as user_totals")
        && (m.collection().contains("$") || m.collection().startsWith("system.") || m.collection().length() > 120)) {
      add(path + ".collection", "'" + m.collection() + "' is not a collection a sink may write",
          "no '$', not system.*, at most 120 characters");
    }
    for (int i = 0; i < m.keysOrEmpty().size(); i++) {
      String key = m.keysOrEmpty().get(i);
      if (requireText(key, path + ".keys[" + i + "]", "a column name") && (key.startsWith("$") || key.contains("."))) {
        add(path + ".keys[" + i + "]", "'" + key + "' is not a top-level field name", "a column of the rows, without '.' or a leading '$'");
      }
    }
    if (m.modeOrDefault() == MongoDbSinkSpec.Mode.UPSERT && m.keysOrEmpty().isEmpty()) {
      add(path + ".keys", "required for mode upsert", "the fields that identify a document, e.g. [userId]");
    }
    if (m.modeOrDefault() == MongoDbSinkSpec.Mode.APPEND && !m.keysOrEmpty().isEmpty()) {
      add(path + ".keys", "only for mode upsert", "set mode: upsert, or remove keys");
    }
    if (m.modeOrDefault() == MongoDbSinkSpec.Mode.APPEND && s.outputModeOrDefault() != OutputMode.APPEND) {
      add(path + ".mode", "append would add a document again each time " + s.outputModeOrDefault().value()
          + " mode re-emits a row", "use mode: upsert with keys");
    }
    if (m.user() != null) {
      checkValueFrom(m.user(), path + ".user");
    }
    if (m.password() != null) {
      checkValueFrom(m.password(), path + ".password");
      if (m.user() == null) {
        add(path + ".password", "a password needs a user", "set user with secretKeyRef or env");
      }
    }
    if (m.authSource() != null && m.user() == null) {
      add(path + ".authSource", "only with user", "set user and password, or remove authSource");
    }
    if ("0".equals(m.optionsOrEmpty().get("writeConcern.w"))) {
      add(path + ".options[\"writeConcern.w\"]", "0 means unacknowledged writes: Spark would commit batches the server "
          + "never applied", "1, majority, or leave it to the connection string");
    }
    java.util.regex.Matcher mechanism = MONGO_AUTH_MECHANISM.matcher(m.uri() == null ? "" : m.uri());
    if (mechanism.find() && !Set.of("SCRAM-SHA-256", "SCRAM-SHA-1", "PLAIN").contains(mechanism.group(1).toUpperCase(Locale.ROOT))) {
      add(path + ".uri", "authMechanism " + mechanism.group(1) + " authenticates with the pod's or node's own identity "
          + "(cloud credentials, certificates, Kerberos), not the pipeline's user and password",
          "SCRAM-SHA-256 (the default), SCRAM-SHA-1 or PLAIN, with user and password by reference");
    }
    m.optionsOrEmpty().keySet().stream().filter(k -> !MongoDbSinkSpec.OPTIONS.contains(k)).sorted().forEach(k ->
        add(path + ".options[\"" + k + "\"]", "not a write option a pipeline may set",
            "one of " + String.join(", ", new java.util.TreeSet<>(MongoDbSinkSpec.OPTIONS))
                + "; uri, database, collection, mode and keys are the sink's own fields"));
  }

  /** An HTTP sink: an http(s) endpoint, credentials only by reference, sane limits, Alertmanager fields. */
  private void checkHttpSink(SinkSpec s, String sinkPath) {
    String path = sinkPath + ".http";
    HttpSinkSpec h = s.http();
    if (h.onDeliveryFailureOrDefault() == HttpSinkSpec.DeliveryFailure.DEAD_LETTER && !kafkaDeadLetterSink) {
      add(path + ".onDeliveryFailure", "deadLetter needs a sink of the dead letters that writes to Kafka",
          "add a sink {from: deadLetters, kafka: {...}}: failed deliveries are appended to its topic (a files or console "
              + "sink of the dead letters is written by its own query only)");
    }
    if ((h.url() == null) == (h.urlFrom() == null)) {
      add(path, "set exactly one of url, urlFrom", "urlFrom: {secretKeyRef: ...} for a URL that holds a token");
    } else if (h.url() != null) {
      URI uri = null;
      try {
        uri = new URI(h.url());
      } catch (java.net.URISyntaxException e) {
        add(path + ".url", "'" + h.url() + "' is not a URL (" + e.getReason() + ")");
      }
      if (uri != null && (uri.getScheme() == null || !uri.getScheme().matches("(?i)https?") || uri.getHost() == null)) {
        add(path + ".url", "'" + h.url() + "' is not an http:// or https:// URL with a host");
      } else if (uri != null) {
        Credentials.inUrl(h.url()).ifPresent(where -> add(path + ".url", "the URL carries a credential (" + where + ")",
            "move the whole URL to urlFrom: {secretKeyRef: {name: ..., key: url}}"));
      }
    } else {
      checkValueFrom(h.urlFrom(), path + ".urlFrom");
    }
    Set<String> headerNames = new HashSet<>();
    h.headersOrEmpty().forEach((name, value) -> {
      String hp = path + ".headers[\"" + name + "\"]";
      if (!HEADER_NAME.matcher(name).matches()) {
        add(hp, "'" + name + "' is not an HTTP header name");
      } else if (RESERVED_HEADERS.contains(name.toLowerCase(Locale.ROOT))) {
        add(hp, "the sink sets '" + name + "' itself (or the HTTP client does)", "remove it");
      } else if (!headerNames.add(name.toLowerCase(Locale.ROOT))) {
        add(hp, "'" + name + "' is set twice (header names ignore case)");
      }
      if (value == null || (value.value() != null ? 1 : 0) + (value.secretKeyRef() != null ? 1 : 0)
          + (value.env() != null ? 1 : 0) != 1) {
        add(hp, "set exactly one of value, secretKeyRef, env");
      } else if (value.value() != null && Credentials.isCredentialHeader(name)) {
        add(hp + ".value", "'" + name + "' carries a credential; it is never written into a spec",
            "secretKeyRef: {name: ..., key: ...} (with prefix: \"Bearer \" if the receiver wants one), or env");
      } else if (value.reference() != null) {
        checkValueFrom(value.reference(), hp);
      }
      if (value != null && value.prefix() != null && (value.reference() == null || !HEADER_PREFIX.matcher(value.prefix()).matches())) {
        add(hp + ".prefix", value.reference() == null ? "only with secretKeyRef or env" : "a scheme word such as "
            + "\"Bearer \", not a value", "the credential itself goes in the Secret");
      }
    });
    if (h.maxRowsPerRequest() != null && h.maxRowsPerRequest() < 1) {
      add(path + ".maxRowsPerRequest", "must be at least 1");
    }
    if (h.maxBytesPerRequest() != null && h.maxBytesPerRequest() < 1024) {
      add(path + ".maxBytesPerRequest", "must be at least 1024");
    }
    if (h.retries() != null && (h.retries() < 0 || h.retries() > 20)) {
      add(path + ".retries", "must be between 0 and 20");
    }
    checkDuration(h.timeout(), path + ".timeout", false).filter(Duration::isZero)
        .ifPresent(zero -> add(path + ".timeout", "must be more than 0"));
    checkDuration(h.retryBackoff(), path + ".retryBackoff", false);
    if (s.outputModeOrDefault() == OutputMode.COMPLETE) {
      add(sinkPath + ".outputMode",
          "complete would post the whole result table every micro-batch", "use append or update");
    }
    var am = h.alertmanager();
    if (h.formatOrDefault() == HttpSinkSpec.Format.ALERTMANAGER) {
      if (am == null) {
        add(path + ".alertmanager", "required with format: alertmanager", "{alertname: PageViewSpike, labels: [page]}");
        return;
      }
      requireText(am.alertname(), path + ".alertmanager.alertname", "the alert's name, e.g. PageViewSpike");
      List<String> named = new ArrayList<>(am.labelsOrEmpty());
      named.addAll(am.annotationsOrEmpty());
      for (int i = 0; i < named.size(); i++) {
        boolean label = i < am.labelsOrEmpty().size();
        String np = path + ".alertmanager." + (label ? "labels[" + i + "]" : "annotations[" + (i - am.labelsOrEmpty().size()) + "]");
        String n = named.get(i);
        if (n == null || !ALERT_NAME.matcher(n).matches()) {
          add(np, "'" + n + "' is not an Alertmanager label name (letters, digits and _, not first a digit)",
              "rename the column in a select first, e.g. \"`page-path` AS page_path\"");
        } else if (label && n.equals("alertname")) {
          add(np, "alertname is set by alertmanager.alertname");
        }
      }
      checkDuration(am.resolveAfter(), path + ".alertmanager.resolveAfter", false);
    } else if (am != null) {
      add(path + ".alertmanager", "only with format: alertmanager");
    }
  }

  private void checkTrigger(TriggerSpec t, String path) {
    if (t == null) {
      return;
    }
    int set = (t.processingTime() != null ? 1 : 0) + (Boolean.TRUE.equals(t.availableNow()) ? 1 : 0)
        + (t.realTime() != null ? 1 : 0);
    if (set > 1) {
      add(path, "set one of processingTime, availableNow, realTime");
    }
    checkDuration(t.processingTime(), path + ".processingTime", false);
    checkDuration(t.realTime(), path + ".realTime", false);
  }

  /**
   * The problem for a sink at {@code sinkPath} in append mode reading {@code window}, whose
   * event-time column has no watermark: Spark could never tell when a window is final
   * (Structured Streaming guide, "Handling Late Data and Watermarking").
   */
  public static Problem appendWithoutWatermark(String sinkPath, TransformSpec window) {
    String column = window.window().column();
    return Problem.at(sinkPath + ".outputMode", "append mode on aggregation '" + window.name()
            + "' needs a watermark on its event-time column '" + column + "'",
        "add watermark: {column: " + column + ", delay: 30s} to the source or transform that has "
            + "the column, or set outputMode: update");
  }

  /** Spark's rules for output modes that the spec alone decides. */
  private void checkOutputModeAgainstLineage(SinkSpec s, String path) {
    if (s.from() == null || !inputPaths.containsKey(s.from())) {
      return;
    }
    Set<String> lineage = lineage(s.from());
    List<TransformSpec> windows = lineage.stream().map(transformsByName::get)
        .filter(t -> t != null && t.window() != null).toList();
    boolean sqlInLineage = lineage.stream().map(transformsByName::get).anyMatch(t -> t != null && t.sql() != null);
    TransformSpec unwatermarked = windows.stream()
        .filter(w -> w.fromOrEmpty().stream().noneMatch(in -> in != null && hasWatermark(in))).findFirst().orElse(null);
    if (isStaticInput(s.from())) {
      add(path + ".from", "'" + s.from() + "' reads only static tables", "a sink needs a streaming input");
      return;
    }
    List<TransformSpec> streamJoins = lineage.stream().map(transformsByName::get)
        .filter(t -> t != null && t.join() != null && t.fromOrEmpty().stream().noneMatch(this::isStaticInput))
        .toList();
    if (!streamJoins.isEmpty() && s.outputModeOrDefault() != OutputMode.APPEND) {
      add(path + ".outputMode", "joins of two streams support only append (reads join '" + streamJoins.get(0).name() + "')",
          "use outputMode: append");
    }
    switch (s.outputModeOrDefault()) {
      case APPEND -> {
        if (unwatermarked != null) {
          problems.add(appendWithoutWatermark(path, unwatermarked));
        }
      }
      case COMPLETE -> {
        if (windows.isEmpty() && !sqlInLineage) {
          add(path + ".outputMode", "complete mode needs an aggregation upstream",
              "use append, or read from a window transform");
        }
      }
      case UPDATE -> { }
    }
  }

  /** All names the given input reads from, itself included. Safe on cycles. */
  private Set<String> lineage(String name) {
    return PipelineSpec.lineage(transformsByName, name);
  }

  /** True when every source the input reads is static (a table, not a stream). */
  private boolean isStaticInput(String name) {
    Set<String> lineage = lineage(name);
    return lineage.stream().map(sourcesByName::get).filter(x -> x != null).allMatch(SourceSpec::isStatic)
        && lineage.stream().anyMatch(sourcesByName::containsKey);
  }

  /**
   * Whether a source or transform in the input's lineage declares a watermark, in YAML or with
   * Spark SQL's {@code WATERMARK ... DELAY OF} clause. A SQL clause is taken at its word here;
   * whether it covers the right column is decided from Spark's analysed plan (the runner's
   * planner, in {@code spo validate} and before the queries start).
   */
  private boolean hasWatermark(String name) {
    return lineage(name).stream().anyMatch(n -> {
      SourceSpec src = sourcesByName.get(n);
      TransformSpec t = transformsByName.get(n);
      return (src != null && src.watermark() != null)
          || (t != null && (t.watermark() != null || (t.sql() != null && SQL_WATERMARK.matcher(codeOnly(t.sql())).find())));
    });
  }

  /** The SQL without comments and quoted text, so that only the query's own words are matched. */
  private static String codeOnly(String sql) {
    return SQL_COMMENTS_AND_QUOTES.matcher(sql).replaceAll(" ");
  }

  private static final Pattern SQL_COMMENTS_AND_QUOTES =
      Pattern.compile("--[^\\n]*|/\\*.*?\\*/|'(?:[^'\\\\]|\\\\.)*'|\"(?:[^\"\\\\]|\\\\.)*\"", Pattern.DOTALL);

  /** RFC 9110 token: what an HTTP header name may be made of. */
  private static final Pattern HEADER_NAME = Pattern.compile("[!#$%&'*+.^_`|~0-9A-Za-z-]+");
  /** Headers the HTTP sink or the JDK's HTTP client sets (or refuses); lower case. */
  private static final Set<String> RESERVED_HEADERS = Set.of("host", "connection", "content-length", "expect", "upgrade",
      "content-type", "idempotency-key", "transfer-encoding", "te", "trailer", "keep-alive", "proxy-connection");
  /** An authentication scheme before a referenced credential: "Bearer ", "Token ", "Basic ". */
  private static final Pattern HEADER_PREFIX = Pattern.compile("[A-Za-z][A-Za-z0-9-]{0,19} ?");
  /** Alertmanager (Prometheus) label names. */
  private static final Pattern ALERT_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");

  /** Spark SQL functions whose answer changes between two evaluations of the same row. */
  private static final Pattern NON_DETERMINISTIC = Pattern.compile(
      "\\b(current_timestamp|current_date|now|localtimestamp|curdate|rand|randn|random|uuid|shuffle|monotonically_increasing_id)\\b",
      Pattern.CASE_INSENSITIVE);

  /** Spark SQL's watermark clause: {@code FROM relation WATERMARK expr [AS name] DELAY OF interval}. */
  private static final Pattern SQL_WATERMARK =
      Pattern.compile("\\bWATERMARK\\b.+?\\bDELAY\\s+OF\\b", Pattern.CASE_INSENSITIVE | Pattern.DOTALL);

  // ---- helpers -------------------------------------------------------------------------

  /** Records a source/transform name; false when it is missing, invalid or taken. */
  private boolean registerInput(String name, String path) {
    if (!checkName(name, path + ".name")) {
      return false;
    }
    if (PipelineSpec.DEAD_LETTERS.equals(name)) {
      add(path + ".name", "'" + name + "' is reserved: sinks read it to get the pipeline's dead letters",
          "choose another name");
      return false;
    }
    String other = inputPaths.putIfAbsent(name, path);
    if (other != null) {
      add(path + ".name", "name '" + name + "' is already used by " + other,
          "sources and transforms share one set of names");
      return false;
    }
    return true;
  }

  private boolean checkName(String name, String path) {
    if (isBlank(name)) {
      add(path, "required", "a name such as clicks or perPage");
      return false;
    }
    if (!STEP_NAME.matcher(name).matches()) {
      add(path, "'" + name + "' is not a valid name",
          "use letters, digits and '_', starting with a letter (names are SQL view names)");
      return false;
    }
    return true;
  }

  private void checkReference(String name, String path) {
    if (isBlank(name)) {
      add(path, "must not be empty");
    } else if (!inputPaths.containsKey(name)) {
      add(path, "unknown input '" + name + "'", Suggestions.hint(name, inputPaths.keySet()));
    }
  }

  private Optional<Duration> checkDuration(String text, String path, boolean required) {
    if (text == null) {
      if (required) {
        add(path, "required", Durations.FORMAT_HINT);
      }
      return Optional.empty();
    }
    Optional<Duration> d = Durations.parse(text);
    if (d.isEmpty()) {
      add(path, "'" + text + "' is not a duration", Durations.FORMAT_HINT);
    }
    return d;
  }

  private void positive(Duration d, String path) {
    if (d.isZero()) {
      add(path, "must be longer than 0");
    }
  }

  private boolean requireText(String value, String path, String hint) {
    if (isBlank(value)) {
      add(path, value == null ? "required" : "must not be empty", hint);
      return false;
    }
    return true;
  }

  private boolean exactlyOne(String path, List<String> present, String options) {
    if (present.isEmpty()) {
      add(path, "set one of " + options);
      return false;
    }
    if (present.size() > 1) {
      add(path, "set only one of " + options + ", found " + String.join(", ", present));
      return false;
    }
    return true;
  }

  /** The keys whose flag is true, in a stable order. */
  private static List<String> present(Map<String, Boolean> flags) {
    return flags.entrySet().stream().filter(Map.Entry::getValue).map(Map.Entry::getKey).sorted().toList();
  }

  private static String columnNames(List<FieldSpec> fields) {
    return fields.stream().map(FieldSpec::name).collect(Collectors.joining(", "));
  }

  private static boolean isBlank(String s) {
    return s == null || s.isBlank();
  }

  private void add(String path, String message) {
    problems.add(Problem.at(path, message));
  }

  private void add(String path, String message, String hint) {
    problems.add(Problem.at(path, message, hint));
  }
}
