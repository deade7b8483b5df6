package dev.pipelines.streaming.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.validation.Problem;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Broken specs and the exact lines a user sees for them. */
class BrokenSpecsTest {

  private static final String HEADER = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata:
        name: demo
      """;

  private static List<String> problems(String yaml) {
    return PipelineLoader.parse(yaml).problems().stream().map(Problem::toString).toList();
  }

  private static void assertProblems(String yaml, String... expected) {
    assertThat(problems(yaml)).containsExactly(expected);
  }

  @Test
  void validMinimalPipelineHasNoProblems() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
        """);
  }

  @Test
  void aWindowOffsetMustBeShorterThanItsSizeAndSessionsHaveNone() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: clicks
              generator: {}
              watermark: {column: eventTime, delay: 10s}
          transforms:
            - {name: hourly, from: clicks, window: {column: eventTime, size: 1h, startTime: 1h, aggregations: [{fn: count}]}}
            - {name: sessions, from: clicks, window: {type: session, column: eventTime, gap: 5m, startTime: 1m,
                                                  aggregations: [{fn: count}]}}
          sinks:
            - {name: a, from: hourly, console: {}}
            - {name: b, from: sessions, console: {}}
        """,
        "spec.transforms[0].window.startTime: must be shorter than the size (1h), got 1h (an offset of a whole size is no offset)",
        "spec.transforms[1].window.startTime: session windows start with their first event (remove startTime)");
  }

  @Test
  void aConfigMapIsReportedByItsKindNotItsFields() {
    assertProblems("""
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: settings}
        data: {a: b}
        """,
        "apiVersion: must be streaming.pipelines.dev/v1alpha1, got 'v1'",
        "kind: must be StreamingPipeline, got 'ConfigMap' (this file is not a pipeline; start from a file in examples/)");
  }

  @Test
  void aSettingOneLevelTooHighNamesWhereItBelongs() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}, watermark: {column: eventTime, delay: 10s}}]
          transforms:
            - name: perPage
              from: clicks
              window: {column: eventTime, size: 1m}
              groupBy: [page]
              aggregations: [{fn: count}]
          sinks: [{name: out, from: perPage, console: {}}]
        """,
        "spec.transforms[0].groupBy: unknown field (did you mean window.groupBy? it goes inside window)",
        "spec.transforms[0].aggregations: unknown field (did you mean window.aggregations? it goes inside window)");
  }

  @Test
  void aTimestampFormatOnlyWhereValuesAreParsedAndOnlyAValidPattern() {
    assertProblems(HEADER + """
        spec:
          sources:
            - {name: a, generator: {}, timestampFormat: "yyyy-MM-dd"}
            - name: b
              files: {path: /in, format: json}
              schema: [{name: t, type: timestamp}]
              timestampFormat: "yyyy-MM-dd{HH}"
          sinks: [{name: out, from: a, console: {}}, {name: out2, from: b, console: {}}]
        """,
        "spec.sources[0].timestampFormat: only json and csv values or files are parsed with a timestamp format (remove it)",
        "spec.sources[1].timestampFormat: 'yyyy-MM-dd{HH}' is not a datetime pattern: "
            + "Pattern includes reserved character: '{' (e.g. yyyy-MM-dd'T'HH:mm[:ss]XXX (Spark's Datetime Patterns))");
  }

  @Test
  void aWatermarkOnATransformSatisfiesAppendModeDownstream() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: readings
              files: {path: /in, format: json}
              schema: [{name: sensor, type: string}, {name: tsMillis, type: long}]
          transforms:
            - name: timed
              from: readings
              select: [sensor, "timestamp_millis(tsMillis) AS eventTime"]
              watermark: {column: eventTime, delay: 10s}
            - name: perMinute
              from: timed
              window: {column: eventTime, size: 1m, aggregations: [{fn: count}]}
          sinks: [{name: out, from: perMinute, outputMode: append, console: {}}]
        """);
  }

  @Test
  void aZeroWatermarkDelayIsRefusedBeforeADedupeWithTheReasonAndAllowedForWindows() {
    String spec = HEADER + """
        spec:
          sources:
            - name: clicks
              files: {path: /in, format: json}
              schema: [{name: userId, type: string}, {name: clickTime, type: timestamp}]
              watermark: {column: clickTime, delay: 0s}
          transforms:
            - {name: once, from: clicks, STEP}
          sinks: [{name: out, from: once, console: {}}]
        """;
    assertProblems(spec.replace("STEP", "dedupe: {keys: [userId]}"),
        "spec.sources[0].watermark.delay: must be more than 0s before a dedupe at spec.transforms[0].dedupe: a row "
            + "whose event time equals the newest event time of an earlier batch is already at the watermark and is "
            + "dropped (1s keeps such rows)");
    assertProblems(spec.replace("STEP", "window: {column: clickTime, size: 1m, aggregations: [{fn: count}]}"));
  }

  @Test
  void unknownFieldsAreAllReportedWithSuggestions() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: clicks
              kafka: {bootstrapServers: "k:9092", topc: clicks}
              schema: [{name: a, typ: string}]
          sinks:
            - name: out
              form: clicks
              console: {}
        """,
        "spec.sources[0].kafka.topc: unknown field (did you mean 'topic'?)",
        "spec.sources[0].schema[0].typ: unknown field (did you mean 'type'?)",
        "spec.sinks[0].form: unknown field (did you mean 'from'?)");
  }

  @Test
  void wrongTypesNameTheFieldAndWhatWasFound() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: clicks
              generator: {rowsPerSecond: fast}
          transforms: {name: x}
          sinks:
            - name: out
              from: clicks
              console: {numRows: [1]}
              outputMode: appendd
        """,
        "spec.sources[0].generator.rowsPerSecond: expected a whole number, got \"fast\"",
        "spec.transforms: expected a list, got an object (start each item with '- ')",
        "spec.sinks[0].console.numRows: expected a whole number, got a list",
        "spec.sinks[0].outputMode: unknown value 'appendd' (did you mean 'append'?)");
  }

  @Test
  void missingFieldsAreRequired() {
    assertProblems("""
        apiVersion: streaming.pipelines.dev/v1alpha1
        kind: StreamingPipeline
        metadata: {}
        spec:
          sources:
            - name: clicks
              kafka: {}
              schema: [{name: a, type: string}]
          sinks:
            - name: out
              from: clicks
              kafka: {bootstrapServers: "k:9092"}
        """,
        "metadata.name: required (the pipeline's name, e.g. clicks-per-page)",
        "spec.sources[0].kafka.bootstrapServers: required (host:port of one or more brokers, comma-separated)",
        "spec.sources[0].kafka.topic: required: set topic or pattern",
        "spec.sinks[0].kafka.topic: required (the topic to write to)");
  }

  @Test
  void unknownReferencesAndCycles() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          transforms:
            - {name: a, from: b, filter: "true"}
            - {name: b, from: a, filter: "true"}
            - {name: c, from: clikcs, filter: "true"}
          sinks: [{name: out, from: nowhere, console: {}}]
        """,
        "spec.transforms[2].from: unknown input 'clikcs' (did you mean 'clicks'?)",
        "spec.transforms[0].from: cycle: a -> b -> a (transforms must form a graph without loops)",
        "spec.sinks[0].from: unknown input 'nowhere' (expected one of: clicks, a, b, c)");
  }

  @Test
  void badDurationsAndSlideLongerThanSize() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: clicks
              generator: {}
              watermark: {column: eventTime, delay: 10 seconds}
          transforms:
            - name: w
              from: clicks
              window: {type: sliding, column: eventTime, size: 1m, slide: 5m, aggregations: [{fn: count}]}
            - name: t
              from: clicks
              window: {column: eventTime, size: 1x, aggregations: [{fn: count}]}
          sinks:
            - {name: out, from: w, console: {}, trigger: {processingTime: soon}}
        """,
        "spec.sources[0].watermark.delay: '10 seconds' is not a duration (write a whole number and a unit: 500ms, 30s, 5m, 1h, 1d)",
        "spec.transforms[0].window.slide: slide (5m) is longer than size (1m) (a sliding window's slide must be at most its size; rows between windows would be lost)",
        "spec.transforms[1].window.size: '1x' is not a duration (write a whole number and a unit: 500ms, 30s, 5m, 1h, 1d)",
        "spec.sinks[0].trigger.processingTime: 'soon' is not a duration (write a whole number and a unit: 500ms, 30s, 5m, 1h, 1d)");
  }

  @Test
  void aSqlWatermarkClauseCountsButNotInACommentOrAString() {
    String spec = HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          transforms:
            - {name: timed, from: clicks, sql: "%s"}
            - name: perPage
              from: timed
              window: {column: eventTime, size: 1m, groupBy: page, aggregations: [{fn: count}]}
          sinks:
            - {name: out, from: perPage, console: {}}
        """;
    assertProblems(spec.formatted("SELECT * FROM clicks WATERMARK eventTime DELAY OF INTERVAL 1 MINUTE"));
    String needsWatermark = "spec.sinks[0].outputMode: append mode on aggregation 'perPage' needs a watermark on its "
        + "event-time column 'eventTime' (add watermark: {column: eventTime, delay: 30s} to the source or transform "
        + "that has the column, or set outputMode: update)";
    assertProblems(spec.formatted("SELECT * FROM clicks /* WATERMARK eventTime DELAY OF INTERVAL 1 MINUTE */"), needsWatermark);
    assertProblems(spec.formatted("SELECT *, 'WATERMARK x DELAY OF' AS note FROM clicks"), needsWatermark);
  }

  @Test
  void appendModeOnAggregationNeedsWatermark() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          transforms:
            - name: perPage
              from: clicks
              window: {column: eventTime, size: 1m, groupBy: page, aggregations: [{fn: count}]}
          sinks:
            - {name: out, from: perPage, console: {}}
            - {name: ok, from: perPage, console: {}, outputMode: update}
        """,
        "spec.sinks[0].outputMode: append mode on aggregation 'perPage' needs a watermark on its event-time column "
            + "'eventTime' (add watermark: {column: eventTime, delay: 30s} to the source or transform that has the column, or set outputMode: update)");
  }

  @Test
  void duplicateNames() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          transforms: [{name: clicks, from: clicks, filter: "true"}]
          sinks:
            - {name: out, from: clicks, console: {}}
            - {name: out, from: clicks, console: {}}
        """,
        "spec.transforms[0].name: name 'clicks' is already used by spec.sources[0] (sources and transforms share one set of names)",
        "spec.sinks[1].name: duplicate sink name 'out', also used by spec.sinks[0] (each sink is a query with its own checkpoint directory; names must be unique)");
  }

  @Test
  void sourceAndSinkKindRules() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: a
              kafka: {bootstrapServers: "k:9092", topic: t, options: {"kafka.sasl.jaas.config": "secret"}}
              generator: {}
            - name: b
              kafka: {bootstrapServers: "k:9092", topic: t}
            - name: c
              files: {path: /in, format: csv}
              watermark: {column: ts, delay: 1m}
            - name: d
              socket: {host: localhost, port: 70000}
              format: text
          sinks:
            - {name: out, from: b, files: {path: /out}, outputMode: update}
            - {name: none, from: b}
        """,
        "spec.sources[0]: set only one of kafka, files, socket, generator, jdbc, found generator, kafka",
        "spec.sources[1].schema: required for json values (list the value's fields, e.g. - {name: userId, type: string}, or set format: text)",
        "spec.sources[2].schema: required for csv files (streaming file sources need a declared schema: - {name: id, type: long})",
        "spec.sources[3].socket.port: must be between 1 and 65535, got 70000",
        "spec.sinks[0].outputMode: the files sink supports only append (files are never rewritten; use outputMode: append with a watermark)",
        "spec.sinks[1]: set one of console, files, kafka, jdbc, mongodb, http");
  }

  @Test
  void secretsMustNotBeInline() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: b
              kafka:
                bootstrapServers: "k:9092"
                topic: t
                options: {"kafka.sasl.jaas.config": "x"}
                credentials: {username: {env: KAFKA_USER}, password: {}}
              format: text
          sinks: [{name: out, from: b, console: {}}]
        """,
        "spec.sources[0].kafka.options[\"kafka.sasl.jaas.config\"]: secrets must not be written in the spec (use credentials with secretKeyRef or env)",
        "spec.sources[0].kafka.credentials.password: set exactly one of secretKeyRef, env");
  }

  /** Spark's includeHeaders alone added a binary column nothing read (accepted, did nothing): the field is the way. */
  @Test
  void kafkaHeadersComeThroughTheirField() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: b
              kafka: {bootstrapServers: "k:9092", topic: t, options: {includeHeaders: "true"}}
              format: text
            - name: c
              kafka: {bootstrapServers: "k:9092", topic: t, includeHeaders: true}
              format: text
          sinks: [{name: out, from: b, console: {}}, {name: out2, from: c, console: {}}]
        """,
        "spec.sources[0].kafka.options[\"includeHeaders\"]: set by the pipeline itself (use includeHeaders: true (adds the"
            + " kafkaHeaders column))");
  }

  @Test
  void watermarkColumnMustBeATimestampOfTheSource() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: a
              kafka: {bootstrapServers: "k:9092", topic: t}
              schema: [{name: ts, type: string}, {name: n, type: lnog}]
              watermark: {column: ts, delay: 1m}
            - name: b
              generator: {}
              watermark: {column: eventTim, delay: 1m}
          sinks: [{name: out, from: a, console: {}}]
        """,
        "spec.sources[0].schema[1].type: unknown type 'lnog' (did you mean 'long'?)",
        "spec.sources[0].watermark.column: 'ts' is string; a watermark needs a timestamp column (declare it as type: timestamp)",
        "spec.sources[1].watermark.column: no column 'eventTim' in this source (did you mean 'eventTime'?)");
  }

  @Test
  void windowKindRules() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          transforms:
            - name: s
              from: clicks
              window: {type: session, column: eventTime, size: 1m, aggregations: [{fn: sum}]}
            - name: t
              from: clicks
              window: {column: eventTime, size: 1m, slide: 10s, aggregations: [{fn: count}, {fn: count}]}
            - name: u
              from: [clicks, s]
              filter: "true"
          sinks: [{name: out, from: clicks, console: {}}]
        """,
        "spec.transforms[0].window.gap: required (write a whole number and a unit: 500ms, 30s, 5m, 1h, 1d)",
        "spec.transforms[0].window.size: session windows have no size; they close after gap without events (remove size)",
        "spec.transforms[0].window.aggregations[0].column: required for sum (the column to aggregate)",
        "spec.transforms[1].window.slide: only sliding windows have a slide (set type: sliding, or remove slide)",
        "spec.transforms[1].window.aggregations[1].as: output column 'count' already exists (give this aggregation another name with as)",
        "spec.transforms[2].from: filter reads one input, got 2 (use sql or join to combine inputs)");
  }

  @Test
  void notYamlAndEmptyFiles() {
    assertThat(problems("spec: [unclosed")).singleElement().asString()
        .startsWith("(file): not valid YAML:").contains("line");
    assertProblems("", "(file): the file is empty (start from a file in examples/)");
    assertProblems("- just\n- a list\n",
        "(file): expected an object with fields apiVersion, kind, metadata, spec, got a list");
  }

  @Test
  void wrongApiVersionKindAndName() {
    assertProblems("""
        apiVersion: v1
        kind: Pipeline
        metadata: {name: Not_Valid}
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: 9out, from: clicks, console: {}}]
          sparkConf: {shuffle.partitions: "4"}
        """,
        "apiVersion: must be streaming.pipelines.dev/v1alpha1, got 'v1'",
        "kind: must be StreamingPipeline, got 'Pipeline'",
        "metadata.name: 'Not_Valid' is not a valid name (use lower-case letters, digits and '-', at most 63 characters, starting and ending with a letter or digit)",
        "spec.sinks[0].name: '9out' is not a valid name (use letters, digits and '_', starting with a letter (names are SQL view names))",
        "spec.sparkConf[\"shuffle.partitions\"]: not a Spark setting (Spark settings start with 'spark.')");
  }

  @Test
  void joinShapesSparkWouldRejectAreRefused() {
    assertProblems(HEADER + """
        spec:
          sources:
            - {name: clicks, generator: {}}
            - {name: orders, kafka: {bootstrapServers: "k:9092", topic: o}, format: text}
            - {name: users, files: {path: /u, format: json, static: true}, schema: [{name: userId, type: string}]}
          transforms:
            - {name: a, from: [clicks, orders], join: {type: left, keys: [userId]}}
            - {name: b, from: [users, clicks], join: {type: left, keys: userId}}
            - {name: c, from: [clicks], join: {keys: userId}}
            - {name: d, from: [clicks, orders], join: {keys: [userId], leftTime: eventTime}}
          sinks:
            - {name: out, from: a, console: {}, outputMode: update}
        """,
        "spec.transforms[0].join.within: required for a left outer join of two streams (set leftTime, rightTime and within, so Spark knows when an unmatched row is final)",
        "spec.transforms[0].from: input 'clicks' has no watermark; outer joins of streams need one on both sides (add watermark to the source of 'clicks', or to the transform that makes its event time)",
        "spec.transforms[0].from: input 'orders' has no watermark; outer joins of streams need one on both sides (add watermark to the source of 'orders', or to the transform that makes its event time)",
        "spec.transforms[1].join.type: a left outer join must keep the streaming side (Spark supports stream-static inner joins and outer joins that keep the stream; swap the inputs or use inner)",
        "spec.transforms[2].from: a join reads two inputs (left, right), got 1",
        "spec.transforms[3].join.within: required with leftTime/rightTime (how far apart matching events may be, e.g. 10m)",
        "spec.sinks[0].outputMode: joins of two streams support only append (reads join 'a') (use outputMode: append)");
  }

  @Test
  void dedupeAnomalyAndExpectationRules() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          transforms:
            - {name: d, from: clicks, dedupe: {keys: []}}
            - {name: a, from: clicks, anomaly: {method: ewma, threshold: 0, alpha: 2, windowSize: 5}}
            - name: e
              from: clicks
              filter: "true"
              expectations:
                - {name: positive, condition: "amount > 0", onViolation: explode}
          sinks: [{name: out, from: d, console: {}}]
        """,
        "spec.transforms[2].expectations[0].onViolation: unknown value 'explode' (expected one of: warn, drop, deadLetter, fail)");
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          transforms:
            - {name: d, from: clicks, dedupe: {keys: []}}
            - {name: a, from: clicks, anomaly: {method: ewma, threshold: 0, alpha: 2, windowSize: 5, stateTtl: 1h}}
            - {name: b, from: clicks, anomaly: {column: amount, stateTtl: 7 days}}
            - name: e
              from: clicks
              filter: "true"
              expectations:
                - {name: positive, condition: "amount > 0"}
                - {name: positive}
          sinks: [{name: out, from: d, console: {}}]
        """,
        "spec.transforms[0].dedupe.keys: required: the columns that identify a duplicate (e.g. keys: [eventId])",
        "spec.transforms[0].dedupe: needs a watermark upstream: keys are remembered for the watermark delay (add watermark to the source, or to the transform that makes the event time; without it Spark would keep every key forever)",
        "spec.transforms[1].anomaly.column: required (the numeric column to score)",
        "spec.transforms[1].anomaly.threshold: must be greater than 0, got 0.0",
        "spec.transforms[1].anomaly.alpha: must be in (0, 1], got 2.0",
        "spec.transforms[1].anomaly.stateTtl: needs a watermark upstream: a key's history expires when the watermark "
            + "passes its newest row by this long (add watermark to the source or to the transform that makes the event "
            + "time, or set stateTtl: off)",
        "spec.transforms[1].anomaly.windowSize: only for method zscore (ewma forgets by alpha; remove windowSize)",
        "spec.transforms[2].anomaly.stateTtl: '7 days' is not a duration (write a whole number and a unit: 500ms, 30s, 5m, 1h, 1d)",
        "spec.transforms[3].expectations[1].name: duplicate expectation 'positive'",
        "spec.transforms[3].expectations[1].condition: required (a SQL condition every row should meet, e.g. amount >= 0)");
  }

  /** The user's spec: it validated, then every run failed in Spark after ~90 lines, naming no field. */
  @Test
  void anAnomalyStepNeedsTheRocksDbStateStore() {
    assertProblems(HEADER + """
        spec:
          sparkConf: {spark.sql.streaming.stateStore.providerClass: org.apache.spark.sql.execution.streaming.state.HDFSBackedStateStoreProvider}
          sources: [{name: clicks, generator: {}, watermark: {column: eventTime, delay: 10s}}]
          transforms:
            - {name: scored, from: clicks, anomaly: {column: amount, keys: [page]}}
          sinks: [{name: out, from: scored, console: {}}]
        """,
        "spec.sparkConf[\"spark.sql.streaming.stateStore.providerClass\"]: the anomaly step 'scored' (spec.transforms[0])"
            + " runs on Spark's transformWithState, which needs the RocksDB state store; HDFSBackedStateStoreProvider cannot"
            + " run it (remove the setting: RocksDB is the default)");
  }

  @Test
  void staticTablesRefreshRules() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: clicks
              files: {path: /in, format: json, refreshInterval: 1m}
              schema: [{name: userId, type: string}]
            - name: users
              jdbc: {url: "jdbc:postgresql://db/shop", table: users, refreshInterval: 500ms,
                     options: {dbtable: other, partitionColumn: id, "password.file": /x}}
            - name: plans
              files: {path: "/plans/*.json", format: json, static: true, refreshInterval: soon}
              schema: [{name: userId, type: string}]
          transforms:
            - {name: joined, from: [clicks, users], join: {keys: userId}}
          sinks: [{name: out, from: joined, console: {}}]
        """,
        "spec.sources[0].files.refreshInterval: only for static files (static: true) (a streaming files source picks up "
            + "new files every micro-batch; remove refreshInterval)",
        "spec.sources[1].jdbc.refreshInterval: must be at least 1s (each refresh reads the whole table again)",
        "spec.sources[1].jdbc.options[\"dbtable\"]: set by the pipeline itself (use the dedicated field (url, table, user, password))",
        "spec.sources[1].jdbc.options[\"password.file\"]: secrets must not be written in the spec (use password with secretKeyRef or env)",
        "spec.sources[2].files.refreshInterval: 'soon' is not a duration (write a whole number and a unit: 500ms, 30s, 5m, 1h, 1d)",
        "spec.sources[2].files.path: a static table is a directory; a glob pattern would not be listed again at a "
            + "refresh (point path at the directory; options.pathGlobFilter picks files by name)");
  }

  @Test
  void jdbcSinkRules() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}, watermark: {column: eventTime, delay: 1m}}]
          transforms:
            - {name: w, from: clicks, window: {column: eventTime, size: 1m, aggregations: [{fn: count}]}}
          sinks:
            - {name: a, from: w, outputMode: update, jdbc: {url: "jdbc:mysql://db/x", table: "drop table; x", password: {env: PW}}}
            - {name: b, from: w, jdbc: {url: "jdbc:postgresql://db/x", table: t, mode: upsert}}
        """,
        "spec.sinks[0].jdbc.url: only PostgreSQL URLs are supported (jdbc:postgresql://host:5432/database)",
        "spec.sinks[0].jdbc.table: 'drop table; x' is not a plain table name (letters, digits and '_', optionally schema.table)",
        "spec.sinks[0].jdbc.mode: append would insert a row again each time update mode re-emits it (use mode: upsert with keys)",
        "spec.sinks[1].jdbc.keys: required for mode upsert (the columns that identify a row, e.g. [windowStart, page])");
  }

  @Test
  void sparkConfTakesOnlyAllowedKeys() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks: [{name: out, from: clicks, console: {}}]
          sparkConf:
            spark.sql.shuffle.partitions: "16"
            spark.hadoop.fs.s3a.endpoint: "http://minio:9000"
            spark.kubernetes.executor.podTemplateFile: /var/run/secrets/kubernetes.io/serviceaccount/token
            spark.kubernetes.driver.volumes.hostPath.root.mount.path: /host
            spark.hadoop.fs.s3a.secret.key: abc
            spark.eventLog.enabled: "true"
        """,
        "spec.sparkConf[\"spark.kubernetes.executor.podTemplateFile\"]: makes the operator read a local file or fetch a URL"
            + " (write the pod template inline in spec.podTemplates.driver or spec.podTemplates.executor)",
        "spec.sparkConf[\"spark.kubernetes.driver.volumes.hostPath.root.mount.path\"]: mounts volumes into the pods"
            + " (host paths, other claims) (checkpoint volume: spec.checkpoint.pvc; other volumes: spec.podTemplates,"
            + " with the volume types of the restricted Pod Security profile)",
        "spec.sparkConf[\"spark.hadoop.fs.s3a.secret.key\"]: secrets must not be written in the spec (sparkConf has no"
            + " secretKeyRef: give the pods an identity with spark.hadoop.fs.s3a.aws.credentials.provider (e.g."
            + " software.amazon.awssdk.auth.credentials.WebIdentityTokenFileCredentialsProvider), or set AWS_ACCESS_KEY_ID"
            + " and AWS_SECRET_ACCESS_KEY from a Secret with env[].valueFrom.secretKeyRef in spec.podTemplates)",
        "spec.sparkConf[\"spark.eventLog.enabled\"]: not a setting a pipeline may set"
            + " (sparkConf takes the tuning settings listed in docs/spec.md (sparkConf))");
  }

  @Test
  void jdbcUrlsMustNotCarryCredentials() {
    assertProblems(HEADER + """
        spec:
          sources:
            - {name: clicks, generator: {}}
            - {name: users, jdbc: {url: "jdbc:postgresql://db/shop?user=app&password=hunter2", table: users}}
          transforms:
            - {name: joined, from: [clicks, users], join: {keys: [userId]}}
          sinks:
            - {name: out, from: joined, jdbc: {url: "jdbc:postgresql://app:hunter2@db/shop", table: t}}
            - {name: ok, from: joined, jdbc: {url: "jdbc:postgresql://db/shop?user=app&ssl=true", table: t}}
        """,
        "spec.sources[1].jdbc.url: carries a credential (parameter 'password'); secrets must not be written in the spec"
            + " (remove it from the URL and set user and password with secretKeyRef: {name: ..., key: ...})",
        "spec.sinks[0].jdbc.url: carries a credential (a password in user:password@); secrets must not be written in the spec"
            + " (remove it from the URL and set user and password with secretKeyRef: {name: ..., key: ...})");
  }

  @Test
  void twoSecretReferencesMustNotShareAnEnvironmentVariable() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: clicks
              kafka:
                bootstrapServers: "k:9092"
                topic: t
                credentials:
                  username: {secretKeyRef: {name: kafka-user, key: name}}
                  password: {secretKeyRef: {name: kafka, key: user-name}}
              format: text
          sinks:
            - name: out
              from: clicks
              jdbc:
                url: "jdbc:postgresql://db/shop"
                table: t
                user: {secretKeyRef: {name: kafka-user, key: name}}
                password: {secretKeyRef: {name: db, key: Password}}
            - name: copy
              from: clicks
              jdbc:
                url: "jdbc:postgresql://db/shop"
                table: t2
                password: {secretKeyRef: {name: db, key: password}}
        """,
        "spec.sources[0].kafka.credentials.password.secretKeyRef: secret 'kafka', key 'user-name' and"
            + " spec.sources[0].kafka.credentials.username.secretKeyRef (secret 'kafka-user', key 'name') both become"
            + " environment variable SPO_SECRET_KAFKA_USER_NAME; one would silently win"
            + " (rename a Secret or key so that they differ in letters or digits)",
        "spec.sinks[1].jdbc.password.secretKeyRef: secret 'db', key 'password' and spec.sinks[0].jdbc.password.secretKeyRef"
            + " (secret 'db', key 'Password') both become environment variable SPO_SECRET_DB_PASSWORD; one would silently win"
            + " (rename a Secret or key so that they differ in letters or digits)");
  }

  @Test
  void deadLettersNeedASinkThatCanKeepThemAndSomethingToRoute() {
    assertProblems(HEADER + """
        spec:
          sources:
            - {name: clicks, generator: {}}
            - {name: deadLetters, generator: {}}
          transforms:
            - name: checked
              from: clicks
              filter: "true"
              expectations: [{name: positive, condition: "amount > 0", onViolation: deadLetter}]
          sinks: [{name: out, from: checked, console: {}}]
        """,
        "spec.sources[1].name: 'deadLetters' is reserved: sinks read it to get the pipeline's dead letters (choose another name)",
        "spec.transforms[0].expectations[0].onViolation: deadLetter needs a sink reading the dead letters (add a sink with "
            + "from: deadLetters (kafka, files or console), e.g. {name: rejected, from: deadLetters, kafka: {bootstrapServers: ..., "
            + "topic: clicks-dead-letters}})");
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks:
            - {name: out, from: clicks, console: {}}
            - name: rejected
              from: deadLetters
              outputMode: update
              jdbc: {url: "jdbc:postgresql://db/x", table: t, keys: [id], mode: upsert}
              expectations: [{name: loop, condition: "true", onViolation: deadLetter}]
        """,
        "spec.sinks[1].jdbc: dead letters go to kafka, files or console (a topic or a directory keeps them for replay)",
        "spec.sinks[1].outputMode: dead letters are appended (remove outputMode)",
        "spec.sinks[1].expectations[0].onViolation: a dead-letter sink cannot send rows to the dead letters (use drop or warn)",
        "spec.sinks[1].from: no row can become a dead letter in this pipeline (dead letters are rows of Kafka or "
            + "files sources that do not parse as json/csv, and rows violating a rule with onViolation: deadLetter)");
  }

  @Test
  void httpSinksTakeCredentialsOnlyByReference() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks:
            - name: hook
              from: clicks
              http:
                url: "https://hooks.example.com/services/x?token=abc"
                headers:
                  Authorization: {value: "Bearer abc"}
                  X-Api-Key: {value: "abc"}
                  X-Team: {value: data}
                  X-Trace: {value: a, env: B}
            - name: am
              from: clicks
              outputMode: complete
              http:
                url: "ftp://am:9093/api/v2/alerts"
                format: alertmanager
                maxRowsPerRequest: 0
            - name: both
              from: clicks
              http: {url: "https://user:pw@x.example/hook", alertmanager: {alertname: X}}
        """,
        "spec.sinks[0].http.url: the URL carries a credential (parameter 'token') (move the whole URL to urlFrom: "
            + "{secretKeyRef: {name: ..., key: url}})",
        "spec.sinks[0].http.headers[\"Authorization\"].value: 'Authorization' carries a credential; it is never written "
            + "into a spec (secretKeyRef: {name: ..., key: ...} (with prefix: \"Bearer \" if the receiver wants one), or env)",
        "spec.sinks[0].http.headers[\"X-Api-Key\"].value: 'X-Api-Key' carries a credential; it is never written into a "
            + "spec (secretKeyRef: {name: ..., key: ...} (with prefix: \"Bearer \" if the receiver wants one), or env)",
        "spec.sinks[0].http.headers[\"X-Trace\"]: set exactly one of value, secretKeyRef, env",
        "spec.sinks[1].http.url: 'ftp://am:9093/api/v2/alerts' is not an http:// or https:// URL with a host",
        "spec.sinks[1].http.maxRowsPerRequest: must be at least 1",
        "spec.sinks[1].outputMode: complete would post the whole result table every micro-batch (use append or update)",
        "spec.sinks[1].http.alertmanager: required with format: alertmanager ({alertname: PageViewSpike, labels: [page]})",
        "spec.sinks[1].outputMode: complete mode needs an aggregation upstream (use append, or read from a window transform)",
        "spec.sinks[2].http.url: the URL carries a credential (user info before @) (move the whole URL to urlFrom: "
            + "{secretKeyRef: {name: ..., key: url}})",
        "spec.sinks[2].http.alertmanager: only with format: alertmanager");
  }

  @Test
  void mongoDbSinksTakeCredentialsOnlyByReferenceAndKeysForUpsert() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks:
            - name: inline
              from: clicks
              mongodb: {uri: "mongodb://app:s3cret@mongo:27017", database: shop, collection: events}
            - name: param
              from: clicks
              mongodb: {uri: "mongodb+srv://c.example/?authMechanismProperties=AWS_SESSION_TOKEN:x", database: "a.b", collection: "system.users"}
            - name: noKeys
              from: clicks
              outputMode: update
              mongodb: {uri: "http://mongo", database: shop, collection: totals, mode: upsert, password: {env: P}}
            - name: appendUpdate
              from: clicks
              outputMode: update
              mongodb: {uri: "mongodb://mongo", database: shop, collection: t, keys: ["a.b"], authSource: admin,
                        options: {maxBatchSize: "100", collection: other}}
        """,
        "spec.sinks[0].mongodb.uri: carries a credential (user info before @); secrets must not be written in the spec "
            + "(remove it from the connection string and set user and password with secretKeyRef: {name: ..., key: ...})",
        "spec.sinks[1].mongodb.uri: carries a credential (parameter 'authMechanismProperties'); secrets must not be "
            + "written in the spec (remove it from the connection string and set user and password with secretKeyRef: "
            + "{name: ..., key: ...})",
        "spec.sinks[1].mongodb.database: 'a.b' is not a MongoDB database name (at most 63 characters, none of / \\ . "
            + "space \" $ * < > : | ?)",
        "spec.sinks[1].mongodb.collection: 'system.users' is not a collection a sink may write (no '$', not system.*, "
            + "at most 120 characters)",
        "spec.sinks[2].mongodb.uri: not a MongoDB connection string (mongodb://host:27017 or mongodb+srv://cluster.example.com)",
        "spec.sinks[2].mongodb.keys: required for mode upsert (the fields that identify a document, e.g. [userId])",
        "spec.sinks[2].mongodb.password: a password needs a user (set user with secretKeyRef or env)",
        "spec.sinks[3].mongodb.keys[0]: 'a.b' is not a top-level field name (a column of the rows, without '.' or a leading '$')",
        "spec.sinks[3].mongodb.keys: only for mode upsert (set mode: upsert, or remove keys)",
        "spec.sinks[3].mongodb.mode: append would add a document again each time update mode re-emits a row (use mode: "
            + "upsert with keys)",
        "spec.sinks[3].mongodb.authSource: only with user (set user and password, or remove authSource)",
        "spec.sinks[3].mongodb.options[\"collection\"]: not a write option a pipeline may set (one of ignoreNullValues, "
            + "maxBatchSize, ordered, writeConcern.journal, writeConcern.w, writeConcern.wTimeoutMS; uri, database, "
            + "collection, mode and keys are the sink's own fields)");
  }

  @Test
  void failedHttpDeliveriesGoOnlyToAKafkaSinkOfTheDeadLetters() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks:
            - {name: hook, from: clicks, http: {url: "https://hooks.example.com/x", onDeliveryFailure: deadLetter}}
            - {name: rejected, from: deadLetters, files: {path: /data/rejected, format: json}}
        """,
        "spec.sinks[0].http.onDeliveryFailure: deadLetter needs a sink of the dead letters that writes to Kafka (add a "
            + "sink {from: deadLetters, kafka: {...}}: failed deliveries are appended to its topic (a files or console sink "
            + "of the dead letters is written by its own query only))",
        "spec.sinks[1].from: no row can become a dead letter in this pipeline (dead letters are rows of Kafka or "
            + "files sources that do not parse as json/csv, and rows violating a rule with onViolation: deadLetter)");
  }

  @Test
  void deadLetterRulesMustGiveTheDeadLetterQueryTheSameRows() {
    assertProblems(HEADER + """
        spec:
          sources:
            - name: clicks
              kafka: {bootstrapServers: "k:9092", topic: clicks}
              schema: [{name: page, type: string}, {name: ts, type: timestamp}]
              watermark: {column: ts, delay: 10s}
          transforms:
            - name: perMinute
              from: clicks
              window: {column: ts, size: 1m, aggregations: [{fn: count, as: n}]}
              expectations: [{name: some, condition: "n > 0", onViolation: deadLetter}]
            - name: fresh
              from: clicks
              filter: "true"
              expectations: [{name: recent, condition: "ts > current_timestamp() - INTERVAL 1 HOUR", onViolation: deadLetter}]
          sinks:
            - name: clicks
              from: fresh
              console: {}
              expectations: [{name: known, condition: "page IS NOT NULL"}]
            - {name: rejected, from: deadLetters, console: {}}
        """,
        "spec.transforms[1].expectations[0].condition: a deadLetter rule must give the same answer twice: the dead-letter "
            + "query checks it again, at its own time (compare with the row's own columns, not the clock or random "
            + "numbers; or use drop)",
        "spec.transforms[0].expectations: a deadLetter rule after stateful step 'perMinute': the dead-letter query would "
            + "run that step again, with its own state (use drop or fail here, or put the rule before 'perMinute')",
        "spec.sinks[0].name: 'clicks' is also a source whose unparsable rows are counted under its name (rename the sink)");
  }

  @Test
  void httpHeadersWebhookUrlsAndAlertLabelsAreChecked() {
    assertProblems(HEADER + """
        spec:
          sources: [{name: clicks, generator: {}}]
          sinks:
            - name: hook
              from: clicks
              http:
                url: "https://hooks.slack.com/services/T000/B000/XXXX"
                timeout: 0s
                headers:
                  "Bad Name": {value: x}
                  Content-Type: {value: text/plain}
                  X-Team: {value: a}
                  x-team: {value: b}
                  X-Sig: {env: SPO_CONTROL_TOKEN}
                  X-Plain: {value: a, prefix: "Bearer "}
                  X-Long: {env: TOKEN, prefix: "Bearer sk_live_123"}
            - name: am
              from: clicks
              http:
                url: "http://alertmanager:9093/api/v2/alerts"
                format: alertmanager
                alertmanager: {alertname: Spike, labels: [alertname, page-path], annotations: [amount]}
        """,
        "spec.sinks[0].http.url: the URL carries a credential (a webhook URL whose path is its token) (move the whole URL "
            + "to urlFrom: {secretKeyRef: {name: ..., key: url}})",
        "spec.sinks[0].http.headers[\"Bad Name\"]: 'Bad Name' is not an HTTP header name",
        "spec.sinks[0].http.headers[\"Content-Type\"]: the sink sets 'Content-Type' itself (or the HTTP client does) "
            + "(remove it)",
        "spec.sinks[0].http.headers[\"x-team\"]: 'x-team' is set twice (header names ignore case)",
        "spec.sinks[0].http.headers[\"X-Sig\"].env: 'SPO_CONTROL_TOKEN' is one of the runner's own variables (SPO_*), "
            + "not the pipeline's (use secretKeyRef for a Secret, or another variable)",
        "spec.sinks[0].http.headers[\"X-Plain\"].prefix: only with secretKeyRef or env (the credential itself goes in "
            + "the Secret)",
        "spec.sinks[0].http.headers[\"X-Long\"].prefix: a scheme word such as \"Bearer \", not a value (the credential "
            + "itself goes in the Secret)",
        "spec.sinks[0].http.timeout: must be more than 0",
        "spec.sinks[1].http.alertmanager.labels[0]: alertname is set by alertmanager.alertname",
        "spec.sinks[1].http.alertmanager.labels[1]: 'page-path' is not an Alertmanager label name (letters, digits and _, "
            + "not first a digit) (rename the column in a select first, e.g. \"`page-path` AS page_path\")");
  }

  @Test
  void brokenSpecsWithDeadLettersOrRealTimeAreReportedNotCrashedOn() {
    // a nameless step with a deadLetter rule, and a cycle under a real-time sink
    assertThat(problems(HEADER + """
        spec:
          sources: [{name: clicks, kafka: {bootstrapServers: "k:9092", topic: c}, schema: [{name: page, type: string}]}]
          transforms:
            - {from: clicks, filter: "true", expectations: [{name: r, condition: "page IS NOT NULL", onViolation: deadLetter}]}
            - {name: a, from: [a, clicks], sql: "SELECT * FROM clicks"}
          sinks:
            - {name: out, from: a, trigger: {realTime: 30s}, console: {}}
            - {name: rejected, from: deadLetters, console: {}}
        """)).anyMatch(p -> p.startsWith("spec.transforms[0].name: required"))
        .anyMatch(p -> p.startsWith("spec.transforms[1].from"));
  }
}
