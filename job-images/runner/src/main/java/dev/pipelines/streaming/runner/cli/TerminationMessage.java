package dev.pipelines.streaming.runner.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What {@code spo run} says when it refuses to start (invalid spec, exit 2; incompatible
 * checkpoint, exit 3) or why a query failed (exit 1), also written to the container's termination message file so that
 * Kubernetes shows it in the pod's status ({@code terminated.message}) and the operator puts
 * it into the pipeline's conditions: the exact lines naming the fields, never a log tail.
 * Outside a container (no such file) nothing is written.
 */
final class TerminationMessage {
  /** The kubelet's default terminationMessagePath; env SPO_TERMINATION_MESSAGE_PATH overrides it. */
  static final String DEFAULT_PATH = "/dev/termination-log";
  /** Kubernetes keeps at most 4096 bytes of a termination message. */
  static final int MAX_BYTES = 4096;

  private final StringWriter captured = new StringWriter();
  private String failure;
  private final PrintWriter err;

  /** @param err where the lines go as usual (stderr); everything printed to {@link #writer()} is kept too */
  TerminationMessage(PrintWriter err) {
    this.err = err;
  }

  /** A writer that prints to stderr and keeps a copy for the termination message. */
  PrintWriter writer() {
    return new PrintWriter(new Writer() {
      @Override
      public void write(char[] buf, int off, int len) {
        err.write(buf, off, len);
        captured.write(buf, off, len);
      }

      @Override
      public void flush() {
        err.flush();
      }

      @Override
      public void close() {
        err.flush();
      }
    }, true);
  }

  /** What made a query fail: the termination message is then these lines only (they were logged already). */
  void failure(String text) {
    failure = text;
  }

  /** Writes what was captured to the termination message file, if this runs in a container. */
  void publish() {
    String env = System.getenv("SPO_TERMINATION_MESSAGE_PATH");
    Path file = Path.of(env == null || env.isBlank() ? DEFAULT_PATH : env);
    if (!Files.isRegularFile(file) || !Files.isWritable(file)) {
      return;
    }
    byte[] bytes = (failure != null ? failure : captured.toString()).strip().getBytes(StandardCharsets.UTF_8);
    try {
      Files.write(file, bytes.length <= MAX_BYTES ? bytes : java.util.Arrays.copyOf(bytes, MAX_BYTES));
    } catch (IOException e) {
      err.println("could not write the termination message to " + file + ": " + e.getMessage());
    }
  }
}
