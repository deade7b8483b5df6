package dev.pipelines.streaming.api.lease;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.List;

/**
 * The holder history of a checkpoint Lease, kept in the Lease's own annotation
 * {@value #ANNOTATION}: one line per taking, oldest first, {@code <acquireTime> <holder>}
 * (RFC 3339 UTC, then the holder identity), at most {@value #KEPT} lines. A Lease names only its
 * current holder; the history says who held the checkpoint before, and since when, so that
 * {@code spo why} and the tests can check after the fact that commits came from one holder at a time.
 *
 * <p>The runner writes the line in the same update that takes the Lease (one write, guarded by
 * the Lease's resourceVersion), so a history line exists exactly for each taking that succeeded.
 */
public final class LeaseHolders {
  /** The Lease annotation holding the history. */
  public static final String ANNOTATION = "streaming.pipelines.dev/holders";
  /** Lines kept: the newest ones. */
  public static final int KEPT = 20;

  /** One taking of the Lease: who, and when (the Lease's {@code acquireTime} as it wrote it). */
  public record Tenure(String holder, Instant acquired) {
    String line() {
      return acquired + " " + holder;
    }
  }

  private LeaseHolders() {}

  /** The tenures in {@code annotation}, oldest first; lines that do not parse are skipped. Null: none. */
  public static List<Tenure> parse(String annotation) {
    List<Tenure> out = new ArrayList<>();
    if (annotation == null) {
      return out;
    }
    for (String line : annotation.split("\n")) {
      int space = line.indexOf(' ');
      if (space <= 0 || space == line.length() - 1) {
        continue;
      }
      try {
        out.add(new Tenure(line.substring(space + 1).trim(), Instant.parse(line.substring(0, space))));
      } catch (DateTimeParseException e) {
        // a hand-edited line: the rest of the history still tells
      }
    }
    return out;
  }

  /** {@code annotation} with {@code tenure} added last, keeping the newest {@value #KEPT}. */
  public static String append(String annotation, Tenure tenure) {
    List<Tenure> all = parse(annotation);
    all.add(tenure);
    List<Tenure> kept = all.subList(Math.max(0, all.size() - KEPT), all.size());
    StringBuilder out = new StringBuilder();
    for (Tenure t : kept) {
      out.append(out.isEmpty() ? "" : "\n").append(t.line());
    }
    return out.toString();
  }

  /** The holder who took the Lease right after {@code holder}'s last taking, or null (none since, or never held). */
  public static Tenure takenFrom(List<Tenure> history, String holder) {
    for (int i = history.size() - 1; i >= 0; i--) {
      if (history.get(i).holder().equals(holder)) {
        return i + 1 < history.size() ? history.get(i + 1) : null;
      }
    }
    return null;
  }
}
