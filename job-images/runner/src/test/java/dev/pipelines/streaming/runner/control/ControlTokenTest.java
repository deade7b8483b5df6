package dev.pipelines.streaming.runner.control;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver's control token read from its mounted Secret: a token the operator rewrote is
 * accepted once the kubelet refreshed the file, without a restart; the old one is then refused.
 */
class ControlTokenTest {
  /** A clock the test moves. */
  static final class Ticking extends Clock {
    Instant now = Instant.parse("2026-01-01T00:00:00Z");

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      return this;
    }

    @Override
    public Instant instant() {
      return now;
    }
  }

  @Test
  void aRewrittenTokenFileIsTakenWithoutARestart(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "old-token\n");
    Ticking clock = new Ticking();
    ControlToken token = ControlToken.file(file, clock);
    assertThat(token.matches("old-token")).isTrue();

    Files.writeString(file, "new-token"); // the operator wrote the Secret again; the kubelet refreshed the file
    assertThat(token.matches("new-token")).as("read again at most once a second").isFalse();
    clock.now = clock.now.plusSeconds(2);
    assertThat(token.matches("new-token")).isTrue();
    assertThat(token.matches("old-token")).as("the old token is refused from now on").isFalse();
  }

  @Test
  void theFileWinsOverTheEnvironmentAndATokenIsRequired(@TempDir Path dir) throws Exception {
    Path file = Files.writeString(dir.resolve("token"), "from-file");
    ControlToken token = ControlToken.fromEnvironment(Map.of("SPO_CONTROL_TOKEN_FILE", file.toString(), "SPO_CONTROL_TOKEN", "env"));
    assertThat(token.matches("from-file")).isTrue();
    assertThat(ControlToken.fromEnvironment(Map.of("SPO_CONTROL_TOKEN", "env")).matches("env")).isTrue();
    assertThatThrownBy(() -> ControlToken.fromEnvironment(Map.of())).hasMessageContaining("a control token is required");
  }
}
