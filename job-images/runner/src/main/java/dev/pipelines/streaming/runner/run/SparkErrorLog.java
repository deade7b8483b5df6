package dev.pipelines.streaming.runner.run;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The file that holds Spark's error lines and stack traces of a local run (log4j2.properties:
 * they stay off stderr, where the runner's one-line summary says what failed). Its path is the
 * system property {@value #PROPERTY}, which {@link #choose} sets before logging starts.
 */
public final class SparkErrorLog {
  /** The system property log4j2.properties reads the file's path from. */
  public static final String PROPERTY = "spo.traces";

  private SparkErrorLog() {}

  /** Sets {@value #PROPERTY} to {@code <java.io.tmpdir>/spo-<pid>-spark-errors.log} unless set already. */
  public static void choose() {
    if (System.getProperty(PROPERTY) == null) {
      System.setProperty(PROPERTY, Path.of(System.getProperty("java.io.tmpdir"),
          "spo-" + ProcessHandle.current().pid() + "-spark-errors.log").toString());
    }
  }

  /** Prints where Spark's errors and stack traces are, if any were logged. */
  public static void note(PrintStream out) {
    String path = System.getProperty(PROPERTY);
    if (path != null && Files.isRegularFile(Path.of(path))) {
      out.println("  Spark's errors with their stack traces: " + path);
    }
  }
}
