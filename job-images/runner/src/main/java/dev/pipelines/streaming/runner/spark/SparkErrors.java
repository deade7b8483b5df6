package dev.pipelines.streaming.runner.spark;

import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.AnalysisException;

/** Turns Spark's exceptions into the one line a user needs. */
public final class SparkErrors {
  private SparkErrors() {}

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
