package dev.pipelines.streaming.api.validation;

import java.util.Collection;
import java.util.Comparator;
import java.util.Locale;
import java.util.Optional;
import org.apache.commons.text.similarity.LevenshteinDistance;

/** "Did you mean ...?" for misspelt field names, enum values and references. */
public final class Suggestions {
  private static final LevenshteinDistance DISTANCE = LevenshteinDistance.getDefaultInstance();

  private Suggestions() {}

  /** The closest candidate, if it is close enough to be what the user meant. */
  public static Optional<String> closest(String input, Collection<String> candidates) {
    if (input == null) {
      return Optional.empty();
    }
    String typed = input.toLowerCase(Locale.ROOT);
    int allowed = typed.length() <= 3 ? 1 : Math.min(3, Math.max(2, typed.length() / 3));
    return candidates.stream()
        .filter(c -> DISTANCE.apply(typed, c.toLowerCase(Locale.ROOT)) <= allowed)
        .min(Comparator.comparingInt((String c) -> DISTANCE.apply(typed, c.toLowerCase(Locale.ROOT))));
  }

  /** A hint: "did you mean 'x'?" when something is close, else "expected one of: a, b". */
  public static String hint(String input, Collection<String> candidates) {
    return closest(input, candidates)
        .map(c -> "did you mean '" + c + "'?")
        .orElseGet(() -> candidates.isEmpty() ? null : "expected one of: " + String.join(", ", candidates));
  }
}
