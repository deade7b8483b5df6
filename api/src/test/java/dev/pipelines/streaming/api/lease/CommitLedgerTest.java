package dev.pipelines.streaming.api.lease;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.lease.LeaseHolders.Tenure;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The after-the-fact check of "one committing driver at a time", on driver logs as the runner writes them. */
class CommitLedgerTest {
  static final String CP = "/checkpoints/ns/epoch-0/clicks/events";
  static final List<Tenure> HISTORY = history("clicks-driver-1", "clicks-driver-2", "clicks-driver-3");

  @Test
  void handOversInLeaseOrderAreClean() {
    CommitLedger ledger = CommitLedger.read(List.of(
        log("clicks-driver-1", 0, 1, 2), "[events] writing\n", log("clicks-driver-2", 3, 4), log("clicks-driver-3", 5)));
    assertThat(ledger.commits()).hasSize(6).first().isEqualTo(new CommitLedger.Commit(CP, 0, "clicks-driver-1"));
    assertThat(ledger.violations(HISTORY)).isEmpty();
  }

  @Test
  void twoDriversTakingTurnsAreNamed() {
    CommitLedger ledger = CommitLedger.read(List.of(log("clicks-driver-2", 3, 5), log("clicks-driver-3", 4)));
    assertThat(ledger.violations(HISTORY)).containsExactly("clicks-driver-2 committed batch 5 of " + CP
        + " after clicks-driver-3 had committed earlier batches: two holders took turns");
  }

  @Test
  void aHolderThatTookTheLeaseBackMayCommitAgain() {
    List<Tenure> backAndForth = history("clicks-driver-1", "clicks-driver-2", "clicks-driver-1");
    CommitLedger ledger = CommitLedger.read(List.of(log("clicks-driver-1", 0, 1, 4), log("clicks-driver-2", 2, 3)));
    assertThat(ledger.violations(backAndForth)).isEmpty();
    assertThat(ledger.violations(HISTORY)).as("not by this history").hasSize(1);
  }

  @Test
  void checkpointPathsMayHoldSpaces() {
    CommitLedger ledger = CommitLedger.read(List.of(CommitLedger.line(3, "/data/my checkpoints/out", "clicks-driver-1") + "\n"));
    assertThat(ledger.commits()).containsExactly(new CommitLedger.Commit("/data/my checkpoints/out", 3, "clicks-driver-1"));
  }

  @Test
  void aBatchCommittedTwiceIsNamed() {
    CommitLedger ledger = CommitLedger.read(List.of(log("clicks-driver-1", 0, 1), log("clicks-driver-2", 1, 2)));
    assertThat(ledger.violations(HISTORY))
        .containsExactly("batch 1 of " + CP + " was committed twice, by clicks-driver-1 and by clicks-driver-2");
  }

  @Test
  void commitsOutOfTheLeaseOrderOrWithoutATakingAreNamed() {
    assertThat(CommitLedger.read(List.of(log("clicks-driver-2", 0), log("clicks-driver-1", 1))).violations(HISTORY))
        .containsExactly("holders committed to " + CP + " in the order [clicks-driver-2, clicks-driver-1], but took the"
            + " Lease in the order [clicks-driver-1, clicks-driver-2, clicks-driver-3]");
    assertThat(CommitLedger.read(List.of(log("intruder", 7))).violations(HISTORY))
        .containsExactly("intruder committed to " + CP + " but never took the Lease, by its holder history");
  }

  @Test
  void theHistoryKeepsTheNewestTakingsAndSkipsWhatDoesNotParse() {
    String annotation = null;
    for (int i = 1; i <= LeaseHolders.KEPT + 3; i++) {
      annotation = LeaseHolders.append(annotation, new Tenure("d-" + i, Instant.ofEpochSecond(i)));
    }
    List<Tenure> kept = LeaseHolders.parse(annotation + "\nnot a line\n");
    assertThat(kept).hasSize(LeaseHolders.KEPT);
    assertThat(kept.get(0)).isEqualTo(new Tenure("d-4", Instant.ofEpochSecond(4)));
    assertThat(LeaseHolders.takenFrom(kept, "d-5")).isEqualTo(new Tenure("d-6", Instant.ofEpochSecond(6)));
    assertThat(LeaseHolders.takenFrom(kept, "d-" + (LeaseHolders.KEPT + 3))).as("holds it now").isNull();
    assertThat(LeaseHolders.takenFrom(history("a", "b", "a"), "a")).as("a took it back last").isNull();
    assertThat(LeaseHolders.takenFrom(history("a", "b", "a", "c"), "a").holder()).isEqualTo("c");
    assertThat(LeaseHolders.parse(null)).isEmpty();
  }

  static String log(String holder, long... batches) {
    StringBuilder out = new StringBuilder("[lease] took the checkpoint Lease ns/clicks-checkpoint\n");
    for (long b : batches) {
      out.append(CommitLedger.line(b, CP, holder)).append('\n');
    }
    return out.toString();
  }

  static List<Tenure> history(String... holders) {
    String annotation = null;
    for (int i = 0; i < holders.length; i++) {
      annotation = LeaseHolders.append(annotation, new Tenure(holders[i], Instant.parse("2026-12-07T01:00:00Z").plusSeconds(i)));
    }
    return LeaseHolders.parse(annotation);
  }
}
