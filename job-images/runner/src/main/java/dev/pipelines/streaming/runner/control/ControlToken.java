package dev.pipelines.streaming.runner.control;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;

/**
 * The bearer token the control endpoint accepts. On Kubernetes it is a file: the pipeline's
 * token Secret mounted in the driver ({@code SPO_CONTROL_TOKEN_FILE}). The operator writes that
 * Secret again when the driver refuses its token (its control key changed), and the kubelet
 * refreshes the mounted file; so a presented token that differs makes the file be read again
 * (at most once a second), and the driver takes the new token without a restart. Elsewhere a
 * fixed token ({@code SPO_CONTROL_TOKEN}). Compared in constant time.
 */
public final class ControlToken {
  static final Duration REREAD_AT_MOST_EVERY = Duration.ofSeconds(1);
  private final Path file;
  private final Clock clock;
  private volatile byte[] token;
  private volatile Instant readAt = Instant.MIN;

  private ControlToken(byte[] token, Path file, Clock clock) {
    this.token = token;
    this.file = file;
    this.clock = clock;
  }

  /** A token that never changes. */
  public static ControlToken fixed(String token) {
    return new ControlToken(require(token, "env SPO_CONTROL_TOKEN"), null, Clock.systemUTC());
  }

  /** The token in {@code file}, read now and again when a caller presents another one. */
  public static ControlToken file(Path file, Clock clock) {
    ControlToken t = new ControlToken(null, file, clock);
    t.token = t.read();
    return t;
  }

  /**
   * From the environment: {@code SPO_CONTROL_TOKEN_FILE} if set, else {@code SPO_CONTROL_TOKEN}.
   *
   * @throws IllegalArgumentException when neither holds a token
   */
  public static ControlToken fromEnvironment(Map<String, String> env) {
    String file = env.get("SPO_CONTROL_TOKEN_FILE");
    return file != null && !file.isBlank() ? file(Path.of(file), Clock.systemUTC()) : fixed(env.get("SPO_CONTROL_TOKEN"));
  }

  /** Whether {@code presented} is the token (for a file: as it is now). */
  public boolean matches(String presented) {
    byte[] p = presented.strip().getBytes(StandardCharsets.UTF_8);
    if (MessageDigest.isEqual(token, p)) {
      return true;
    }
    Instant now = clock.instant();
    if (file == null || now.isBefore(readAt.plus(REREAD_AT_MOST_EVERY))) {
      return false;
    }
    try {
      token = read();
    } catch (RuntimeException e) {
      return false; // the kubelet swaps the file atomically; a failed read keeps the old token
    }
    return MessageDigest.isEqual(token, p);
  }

  private byte[] read() {
    readAt = clock.instant();
    try {
      return require(Files.readString(file), file.toString());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the control token " + file + ": " + e.getMessage(), e);
    }
  }

  private static byte[] require(String token, String where) {
    if (token == null || token.isBlank()) {
      throw new IllegalArgumentException("a control token is required (" + where + ")");
    }
    return token.strip().getBytes(StandardCharsets.UTF_8);
  }
}
