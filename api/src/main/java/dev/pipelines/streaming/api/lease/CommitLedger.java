package dev.pipelines.streaming.api.lease;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which holder committed each micro-batch, read back from drivers' logs, and the check that
 * they committed one at a time. A driver that holds a checkpoint Lease logs one line per entry it
 * adds to a query's commit log ({@link #line}); Spark numbers batches in order, so on one
 * checkpoint the holders, read in batch order, must come in runs, one run per tenure, in the
 * order the Lease's holder history ({@link LeaseHolders}) took them. Two drivers committing at
 * once show up as holders taking turns, or as one batch committed twice. No clock is compared.
 */
public final class CommitLedger {
  private static final Pattern LINE = Pattern.compile("\\[commit] batch (\\d+) of (.+) by (\\S+)$", Pattern.MULTILINE);

  /** One committed batch: its checkpoint (a query's checkpoint directory), batch id, and holder. */
  public record Commit(String checkpoint, long batchId, String holder) {}

  private final List<Commit> commits;

  private CommitLedger(List<Commit> commits) {
    this.commits = commits;
  }

  /** The line a holder logs when it committed {@code batchId} to {@code checkpoint}. */
  public static String line(long batchId, String checkpoint, String holder) {
    return "[commit] batch " + batchId + " of " + checkpoint + " by " + holder;
  }

  /** The commits named in {@code logs} (whole driver logs; other lines are ignored). */
  public static CommitLedger read(Iterable<String> logs) {
    List<Commit> found = new ArrayList<>();
    for (String log : logs) {
      Matcher m = LINE.matcher(log);
      while (m.find()) {
        found.add(new Commit(m.group(2), Long.parseLong(m.group(1)), m.group(3)));
      }
    }
    return new CommitLedger(List.copyOf(found));
  }

  /** Every commit read, in the order found. */
  public List<Commit> commits() {
    return commits;
  }

  /**
   * What contradicts "one holder at a time", one line each (empty when nothing does): a batch
   * committed more than once, a holder that commits again after another holder committed a later
   * batch of the same checkpoint, and (with a non-empty {@code history}) holders whose runs of
   * commits come in a different order than they took the Lease, or who committed without
   * having taken it (checked only while the history holds every taking: fewer than
   * {@value LeaseHolders#KEPT} lines).
   */
  public List<String> violations(List<LeaseHolders.Tenure> history) {
    List<String> out = new ArrayList<>();
    Map<String, List<Commit>> byCheckpoint = new LinkedHashMap<>();
    commits.forEach(c -> byCheckpoint.computeIfAbsent(c.checkpoint(), k -> new ArrayList<>()).add(c));
    List<String> takenInOrder = history.stream().map(LeaseHolders.Tenure::holder).toList();
    byCheckpoint.forEach((checkpoint, list) -> {
      list.sort(Comparator.comparingLong(Commit::batchId));
      List<String> runs = new ArrayList<>();
      boolean turns = false;
      Commit previous = null;
      for (Commit c : list) {
        if (previous != null && previous.batchId() == c.batchId()) {
          out.add("batch " + c.batchId() + " of " + checkpoint + " was committed twice, by " + previous.holder()
              + " and by " + c.holder());
        } else if (runs.isEmpty() || !runs.get(runs.size() - 1).equals(c.holder())) {
          // a holder back after another: only the history can say it took the Lease again
          List<String> withReturn = new ArrayList<>(runs);
          withReturn.add(c.holder());
          if (runs.contains(c.holder()) && (takenInOrder.isEmpty() || !inOrder(withReturn, takenInOrder))) {
            out.add(c.holder() + " committed batch " + c.batchId() + " of " + checkpoint + " after "
                + runs.get(runs.size() - 1) + " had committed earlier batches: two holders took turns");
            turns = true;
          }
          runs.add(c.holder());
        }
        previous = c;
      }
      if (takenInOrder.isEmpty() || turns) {
        return; // taking turns says it already: the order of runs adds nothing
      }
      boolean complete = history.size() < LeaseHolders.KEPT; // else older takings fell out of it
      for (String holder : runs) {
        if (complete && !takenInOrder.contains(holder)) {
          out.add(holder + " committed to " + checkpoint + " but never took the Lease, by its holder history");
        }
      }
      List<String> recorded = runs.stream().filter(takenInOrder::contains).toList();
      if (!inOrder(recorded, takenInOrder)) {
        out.add("holders committed to " + checkpoint + " in the order " + recorded
            + ", but took the Lease in the order " + takenInOrder);
      }
    });
    return out;
  }

  /** True when {@code runs} is a subsequence of {@code taken} (a holder may have committed nothing). */
  private static boolean inOrder(List<String> runs, List<String> taken) {
    int at = 0;
    for (String holder : runs) {
      while (at < taken.size() && !taken.get(at).equals(holder)) {
        at++;
      }
      if (at == taken.size()) {
        return false;
      }
      at++;
    }
    return true;
  }
}
