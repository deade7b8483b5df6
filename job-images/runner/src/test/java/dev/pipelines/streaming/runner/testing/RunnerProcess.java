package dev.pipelines.streaming.runner.testing;

import dev.pipelines.streaming.runner.RunnerCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** {@code spo run} in a child JVM, so tests can SIGKILL it the way a node failure would. */
public final class RunnerProcess {
  private final Process process;
  private final Path log;

  private RunnerProcess(Process process, Path log) {
    this.process = process;
    this.log = log;
  }

  public static RunnerProcess start(Path spec, Path checkpointRoot, Path log) throws IOException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.add("-Xmx1g");
    command.addAll(Arrays.asList(System.getProperty("spark.jvm.opens", "").trim().split("\\s+")));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), RunnerCli.class.getName(),
        "run", spec.toString(), "--master", "local[2]", "--checkpoint-root", checkpointRoot.toString()));
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
    Process process = pb.start();
    // A failed assertion must not leave a runner behind: it dies with the test JVM.
    Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly));
    return new RunnerProcess(process, log);
  }

  /** Polls until the condition holds; fails with the runner's log if it exits or times out. */
  public void await(String what, BooleanSupplier condition, Duration timeout) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (condition.getAsBoolean()) {
        return;
      }
      if (!process.isAlive()) {
        throw new AssertionError("runner exited before " + what + ":\n" + log());
      }
      Thread.sleep(200);
    }
    process.destroyForcibly();
    throw new AssertionError("timed out waiting for " + what + ":\n" + log());
  }

  /** SIGKILL: no shutdown hook runs, a batch may be half written. */
  public void kill() throws InterruptedException {
    process.destroyForcibly();
    process.waitFor(60, TimeUnit.SECONDS);
  }

  /** SIGTERM: the runner stops its queries after their current batch. Returns the exit code. */
  public int stop() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(90, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("runner did not stop within 90s");
    }
    return process.exitValue();
  }

  public String log() throws IOException {
    return Files.readString(log);
  }
}
