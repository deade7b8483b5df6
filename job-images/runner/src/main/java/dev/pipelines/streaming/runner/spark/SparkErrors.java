package dev.pipelines.streaming.runner.spark;

import dev.pipelines.streaming.api.RunnerExitCodes;
import java.util.Set;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.AnalysisException;

/** Turns Spark's exceptions into the one line a user needs, and says whether a retry can help. */
public final class SparkErrors {
  private SparkErrors() {}

  /**
   * Spark's error conditions (error-conditions.json) that say the checkpoint's state was written
   * by a query of another shape or configuration: every run on that checkpoint fails the same way.
   */
  private static final Set<String> STATE_DOES_NOT_FIT = Set.of(
      "STATE_STORE_INVALID_CONFIG_AFTER_RESTART", "STATE_STORE_KEY_SCHEMA_NOT_COMPATIBLE",
      "STATE_STORE_VALUE_SCHEMA_NOT_COMPATIBLE", "STATE_STORE_INVALID_VALUE_SCHEMA_EVOLUTION",
      "STATE_STORE_INVALID_VARIABLE_TYPE_CHANGE", "STATE_STORE_COLUMN_FAMILY_SCHEMA_INCOMPATIBLE",
      "STATE_STORE_CHECKPOINT_LOCATION_NOT_EMPTY", "STATE_STORE_STATE_SCHEMA_FILES_THRESHOLD_EXCEEDED",
      "STATE_STORE_VALUE_SCHEMA_EVOLUTION_THRESHOLD_EXCEEDED",
      "STREAMING_STATEFUL_OPERATOR_NOT_MATCH_IN_STATE_METADATA", "STREAMING_STATEFUL_OPERATOR_MISSING_STATE_DIRECTORY");

  /** transformWithState (the anomaly step) on a state store other than RocksDB. */
  private static final String TWS_NEEDS_ROCKSDB = "UNSUPPORTED_FEATURE.STORE_BACKEND_NOT_SUPPORTED_FOR_TWS";

  /**
   * What a query's failure before its first batch of this run completed means for the runner:
   * its exit code ({@link RunnerExitCodes}) and, when a retry cannot help, the line to print
   * under the failure saying so and what to change ({@code hint}; null otherwise).
   */
  public record Verdict(int exit, String hint) {
    /** A failure a retry may fix: exit 1, nothing to add. */
    public static final Verdict RETRY = new Verdict(RunnerExitCodes.QUERY_FAILED, null);
  }

  /**
   * The {@link Verdict} on a failure before the query's first batch of this run completed:
   * {@code INCOMPATIBLE_CHECKPOINT} (3) when Spark says the checkpoint's state does not fit this
   * query; {@code INVALID} (2) when Spark's SQLSTATE says the query itself can never run (class
   * {@code 0A}, feature not supported; class {@code 42}, a syntax or analysis rule: the SQL
   * standard's classes, which Spark's error conditions use); else {@link Verdict#RETRY}: a source,
   * sink or machine that may work next time. After a batch has completed the same query did run,
   * so the caller keeps {@link Verdict#RETRY}.
   */
  public static Verdict beforeFirstBatch(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof SparkThrowable t && t.getCondition() != null) {
        if (STATE_DOES_NOT_FIT.contains(t.getCondition())) {
          return new Verdict(RunnerExitCodes.INCOMPATIBLE_CHECKPOINT, "  Spark cannot resume this checkpoint's state "
              + "with this query (a retry fails the same way, exit 3): undo the change, or start over in a new "
              + "checkpoint.");
        }
        String sqlState = t.getSqlState();
        if (sqlState != null && (sqlState.startsWith("0A") || sqlState.startsWith("42"))) {
          return new Verdict(RunnerExitCodes.INVALID, invalidHint(error));
        }
      }
    }
    return Verdict.RETRY;
  }

  /** The exit-2 line: the setting to remove when it is transformWithState on another store, else a general one. */
  private static String invalidHint(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof SparkThrowable t && TWS_NEEDS_ROCKSDB.equals(t.getCondition())) {
        return "  An anomaly step runs on Spark's transformWithState, which needs the RocksDB state store: remove "
            + "spark.sql.streaming.stateStore.providerClass (from --conf, or spec.sparkConf) to run it (exit 2: a "
            + "retry fails the same way).";
      }
    }
    return "  Spark refuses this query before its first batch, on every run (a retry fails the same way, exit 2): "
        + "change the spec.";
  }

  /**
   * The first line of Spark's message without the SQLSTATE suffix and plan dump, e.g.
   * {@code [UNRESOLVED_COLUMN.WITH_SUGGESTION] A column ... with name `amout` cannot be
   * resolved. Did you mean one of the following? [`amount`, ...]}.
   */
  public static String oneLine(Throwable error) {
    return firstLine(error);
  }

  /**
   * Why a running query failed, for its {@code [sink] failed:} line. Usually {@link #oneLine};
   * for Kafka data loss (Spark's {@code KAFKA_DATA_LOSS.*} conditions, e.g. a topic deleted and
   * recreated, or records expired before they were read) Spark's first line says neither which
   * partition nor why, so this gives Spark's reason in one line and the ways out in a second.
   */
  public static String queryFailure(Throwable error) {
    for (Throwable e = error; e != null; e = e.getCause()) {
      if (e instanceof SparkThrowable t && t.getCondition() != null && t.getCondition().startsWith("KAFKA_DATA_LOSS")) {
        return kafkaDataLoss(e.getMessage());
      }
      if (e instanceof SparkThrowable t && "STATE_STORE_INVALID_CONFIG_AFTER_RESTART".equals(t.getCondition())) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("from NoTime to EventTime")) {
          return firstLine(error) + System.lineSeparator() + "  An anomaly transform's state was written without a "
              + "time to live (stateTtl: off, or a runner before stateTtl): set stateTtl: \"off\" on it to resume this "
              + "checkpoint, or start over in a new checkpoint.";
        }
        if (message.contains("from EventTime to NoTime")) {
          return firstLine(error) + System.lineSeparator() + "  An anomaly transform's state was written with a time "
              + "to live (stateTtl, default 7d, with a watermark upstream): remove stateTtl: off, or keep the "
              + "watermark, to resume this checkpoint, or start over in a new checkpoint.";
        }
      }
    }
    return firstLine(error);
  }

  private static String kafkaDataLoss(String message) {
    int reason = message.indexOf("Reason:");
    String why = reason < 0 ? "" : " " + String.join(" ", message.substring(reason + "Reason:".length()).strip().lines()
        .map(String::strip).toList());
    int sqlState = why.indexOf(" SQLSTATE:");
    if (sqlState > 0) {
      why = why.substring(0, sqlState);
    }
    return "Kafka records this query had not read yet are gone (the topic was deleted and recreated, or they expired "
        + "before they were read):" + why.stripTrailing() + System.lineSeparator()
        + "  To go on from what the topic holds now, accepting the loss: set failOnDataLoss: \"false\" in the Kafka "
        + "source's options (or, with spo run, start over with --reset-checkpoint).";
  }

  private static String firstLine(Throwable error) {
    Throwable e = error;
    while (e.getCause() != null && !(e instanceof AnalysisException) && e.getMessage() == null) {
      e = e.getCause();
    }
    String message = e instanceof AnalysisException analysis ? analysis.getSimpleMessage() : e.getMessage();
    if (message == null) {
      return e.getClass().getSimpleName();
    }
    String first = message.strip().lines().findFirst().orElse("").strip();
    int sqlState = first.indexOf(" SQLSTATE:");
    if (sqlState > 0) {
      first = first.substring(0, sqlState).strip();
    }
    if (first.endsWith(";")) {
      first = first.substring(0, first.length() - 1);
    }
    return first;
  }
}
