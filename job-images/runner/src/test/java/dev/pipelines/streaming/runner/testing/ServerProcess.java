package dev.pipelines.streaming.runner.testing;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/** A test server in a child process: waiting until it listens, and stopping it. */
final class ServerProcess {
  private ServerProcess() {}

  /**
   * Returns once {@code 127.0.0.1:port} accepts connections; stops the process and fails with its
   * log when it exits first or {@code timeout} passes.
   */
  static void awaitListening(Process process, int port, Duration timeout, Path log, String name) throws IOException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (System.nanoTime() < deadline) {
      if (!process.isAlive()) {
        throw new IllegalStateException(name + " exited:\n" + Files.readString(log));
      }
      try (Socket socket = new Socket()) {
        socket.connect(new InetSocketAddress("127.0.0.1", port), 500);
        return;
      } catch (IOException notYet) {
        try {
          Thread.sleep(200);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException(e);
        }
      }
    }
    stop(process);
    throw new IllegalStateException(name + " did not listen within " + timeout + ":\n" + Files.readString(log));
  }

  /** SIGTERM, then SIGKILL after 20 s. */
  static void stop(Process process) {
    process.destroy();
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
