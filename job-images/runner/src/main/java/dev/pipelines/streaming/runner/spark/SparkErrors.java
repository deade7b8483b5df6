package dev.pipelines.streaming.runner.spark;

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
