package dev.pipelines.streaming.e2e;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;

/**
 * One real node per machine at a time. The node's bridge ({@code cni0}, 10.244.0.1), its ports
 * and the kernel settings kubelet changes are the machine's, not a state directory's, so a
 * second root test run would tear down the first one's node (its {@code down.sh} before
 * {@code up.sh}). The first run holds an exclusive lock on {@code /run/spo-node.lock} for the
 * life of its JVM (the kernel releases it when the process dies, however it dies); a second run
 * waits for it, saying which process holds it, and fails after {@link #WAIT} with that message.
 */
final class NodeLock {
  static final Path FILE = Path.of(System.getenv().getOrDefault("SPO_NODE_LOCK", "/run/spo-node.lock"));
  static final Duration WAIT = Duration.ofMinutes(90);
  private static FileLock held;

  private NodeLock() {}

  static synchronized void acquire(Path state) {
    if (held != null) {
      return;
    }
    try {
      FileChannel channel = FileChannel.open(FILE, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
      Instant deadline = Instant.now().plus(WAIT);
      Instant nextSay = Instant.now();
      FileLock lock;
      while ((lock = channel.tryLock()) == null) {
        String owner = Files.readString(FILE, StandardCharsets.UTF_8).strip();
        if (Instant.now().isAfter(deadline)) {
          channel.close();
          throw new IllegalStateException("another real-node test run holds " + FILE + " (" + owner + ") and did not"
              + " end within " + WAIT.toMinutes() + " min; one node runs per machine (stop that run, or wait for it)");
        }
        if (!Instant.now().isBefore(nextSay)) {
          System.err.println("[real-node] waiting for " + FILE + ", held by " + owner + ": one node runs per machine");
          nextSay = Instant.now().plusSeconds(60);
        }
        Thread.sleep(2000);
      }
      channel.truncate(0);
      channel.write(StandardCharsets.UTF_8.encode("pid " + ProcessHandle.current().pid() + " since " + Instant.now()
          + ", state " + state + "\n"), 0);
      channel.force(false);
      held = lock;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot lock " + FILE, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while waiting for " + FILE, e);
    }
  }
}
