package dev.pipelines.streaming.runner.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A Java main in a fresh JVM with this JVM's classpath and the module openings Spark needs
 * (system property spark.jvm.opens), output to a log file, on loopback, killed when this JVM
 * exits. Child runners in tests and the benchmarks' contenders start this way.
 */
public final class JavaProcess {
  private JavaProcess() {}

  public static Process start(String heap, List<String> jvmOptions, Class<?> main, List<String> args, Path log,
      Map<String, String> env) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx" + heap);
    command.addAll(jvmOptions);
    String opens = System.getProperty("spark.jvm.opens", "").trim();
    if (!opens.isEmpty()) {
      command.addAll(Arrays.asList(opens.split("\\s+")));
    }
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), main.getName()));
    command.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    pb.environment().putAll(env);
    Process process = pb.start();
    // A failed assertion must not leave a child behind: it dies with this JVM.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    return process;
  }
}
