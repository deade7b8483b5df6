package dev.pipelines.streaming.api.validation;

import java.time.Duration;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Durations as users write them: {@code 500ms}, {@code 30s}, {@code 5m}, {@code 1h}, {@code 1d}. */
public final class Durations {
  public static final String FORMAT_HINT = "write a whole number and a unit: 500ms, 30s, 5m, 1h, 1d";
  private static final Pattern DURATION = Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)");

  private Durations() {}

  /** The duration, or empty when the text is not a valid duration. */
  public static Optional<Duration> parse(String text) {
    if (text == null) {
      return Optional.empty();
    }
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      return Optional.empty();
    }
    long n;
    try {
      n = Long.parseLong(m.group(1));
    } catch (NumberFormatException tooBig) {
      return Optional.empty();
    }
    return Optional.of(switch (m.group(2)) {
      case "ms" -> Duration.ofMillis(n);
      case "s" -> Duration.ofSeconds(n);
      case "m" -> Duration.ofMinutes(n);
      case "h" -> Duration.ofHours(n);
      default -> Duration.ofDays(n);
    });
  }

  /** Parses a duration already accepted by the validator. */
  public static Duration require(String text) {
    return parse(text).orElseThrow(() -> new IllegalArgumentException("invalid duration: " + text));
  }

  /** Spark's interval syntax for a validated duration, e.g. {@code 30000 milliseconds}. */
  public static String toSparkInterval(String text) {
    return require(text).toMillis() + " milliseconds";
  }
}
