package dev.pipelines.streaming.bench;

import dev.pipelines.streaming.runner.testing.JavaProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** Child JVMs of the benchmarks ({@link JavaProcess}, plus BENCH_CHILD_JAVA_OPTS), and their memory. */
final class ChildJvm {
  private ChildJvm() {}

  static Process start(String heap, Class<?> main, List<String> args, Path log, Map<String, String> env)
      throws IOException {
    return start(heap, List.of(), main, args, log, env);
  }

  static Process start(String heap, List<String> jvmOptions, Class<?> main, List<String> args, Path log,
      Map<String, String> env) throws IOException {
    List<String> options = new ArrayList<>(jvmOptions);
    // e.g. -XX:StartFlightRecording=filename=/tmp/jfr/{main}.jfr,settings=profile: {main} becomes the
    // child's main class, so each contender records its own file.
    String extra = System.getenv("BENCH_CHILD_JAVA_OPTS");
    if (extra != null && !extra.isBlank()) {
      options.addAll(Arrays.asList(extra.trim().replace("{main}", main.getSimpleName()).split("\\s+")));
    }
    return JavaProcess.start(heap, options, main, args, log, env);
  }

  /** Resident memory of a process in MiB, from /proc (Linux). */
  static double rssMiB(long pid, String field) {
    try {
      for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
        if (line.startsWith(field + ":")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024.0;
        }
      }
    } catch (IOException | NumberFormatException gone) {
      // the process ended
    }
    return 0;
  }
}
