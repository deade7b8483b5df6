package dev.pipelines.streaming.runner.testing;

import dev.pipelines.streaming.runner.RunnerCli;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

  public static RunnerProcess start(Path spec, Path checkpointRoot, Path log, String... moreArgs) throws IOException {
    return start(Map.of(), spec, checkpointRoot, log, moreArgs);
  }

  /** With extra environment variables for the runner. */
  public static RunnerProcess start(Map<String, String> env, Path spec, Path checkpointRoot, Path log, String... moreArgs)
      throws IOException {
    return start(env, spec, checkpointRoot.toString(), log, moreArgs);
  }

  /** With a checkpoint root given as a URI (e.g. {@code s3a://bucket/checkpoints}). */
  public static RunnerProcess start(Map<String, String> env, Path spec, String checkpointRoot, Path log, String... moreArgs)
      throws IOException {
    List<String> args = new ArrayList<>(List.of("run", spec.toString(), "--master", "local[2]",
        "--checkpoint-root", checkpointRoot));
    args.addAll(List.of(moreArgs));
    Process process = JavaProcess.start("1g", List.of(), RunnerCli.class, args, log, env);
    return new RunnerProcess(process, log);
  }

  /** Waits for a runner that ends by itself (availableNow, or a refusal) and returns its exit code. */
  public int awaitExit(Duration timeout) throws Exception {
    if (!process.waitFor(timeout.toSeconds(), TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("runner did not exit within " + timeout + ":\n" + log());
    }
    return process.exitValue();
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

  /** The runner's process id (to send it signals). */
  public long pid() {
    return process.pid();
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
