package dev.pipelines.streaming.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/** A Java main in a fresh JVM with this JVM's classpath and Spark's module openings. */
final class ChildJvm {
  private ChildJvm() {}

  static Process start(String heap, Class<?> main, List<String> args, Path log, Map<String, String> env)
      throws IOException {
    return start(heap, List.of(), main, args, log, env);
  }

  static Process start(String heap, List<String> jvmOptions, Class<?> main, List<String> args, Path log,
      Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    command.addAll(jvmOptions);
    String extra = System.getenv("BENCH_CHILD_JAVA_OPTS"); // e.g. a JFR recording, to profile
    if (extra != null && !extra.isBlank()) {
      command.addAll(Arrays.asList(extra.trim().split("\\s+")));
    }
    String opens = System.getProperty("spark.jvm.opens", "").trim();
    if (!opens.isEmpty()) {
      command.addAll(Arrays.asList(opens.split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().putAll(env);
    Process p = pb.start();
    Runtime.getRuntime().addShutdownHook(new Thread(p::destroyForcibly));
    return p;
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
