package dev.pipelines.streaming.runner.fence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.lease.LeaseHolders;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import org.junit.jupiter.api.Test;

/** The write that takes, renews or releases the checkpoint Lease, as the runner's lock builds it. */
class HolderHistoryTest {
  static final ZonedDateTime NOW = ZonedDateTime.of(2026, 12, 7, 2, 30, 0, 0, ZoneOffset.UTC);

  @Test
  void aTakingFromAnotherHolderAddsAHistoryLineAndARenewalOrReleaseDoesNot() {
    CheckpointLease.RenewalRecordingLock lock = new CheckpointLease.RenewalRecordingLock("ns", "clicks-checkpoint", "driver-2");
    Lease held = new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder()
        .withMetadata(meta().addToAnnotations(LeaseHolders.ANNOTATION, "2026-12-07T02:00:00Z driver-1").build())
        .withNewSpec().withHolderIdentity("driver-1").withLeaseDurationSeconds(15).withAcquireTime(NOW.minusMinutes(30))
        .withRenewTime(NOW).withLeaseTransitions(1).endSpec().build();
    lock.toRecord(held); // what the lock read: held by driver-1

    Lease taken = lock.toResource(new LeaderElectionRecord("driver-2", Duration.ofSeconds(15), NOW, NOW, 2), meta());
    assertThat(taken.getMetadata().getAnnotations()).containsEntry(LeaseHolders.ANNOTATION,
        "2026-12-07T02:00:00Z driver-1\n2026-12-07T02:30:00Z driver-2");

    lock.written(new LeaderElectionRecord("driver-2", Duration.ofSeconds(15), NOW, NOW, 2)); // the taking was sent
    lock.toRecord(taken);
    Lease renewed = lock.toResource(new LeaderElectionRecord("driver-2", Duration.ofSeconds(15), NOW, NOW.plusSeconds(2), 2),
        meta());
    assertThat(renewed.getMetadata().getAnnotations()).as("a renewal: the merge patch keeps the history as it is").isEmpty();
    // fabric8's LeaderElector.release writes no holder: nothing to record, and no failure (it threw before)
    Lease released = lock.toResource(new LeaderElectionRecord(null, Duration.ofSeconds(1), NOW, NOW.plusSeconds(3), 2), meta());
    assertThat(released.getMetadata().getAnnotations()).isEmpty();
  }

  /**
   * A Lease naming this holder is this process's own only while it is the tenure this process
   * wrote: another process of the same name that took over while this one stalled (a new acquire
   * time and transition) is another holder, so this one neither renews nor releases it.
   */
  @Test
  void aLeaseOfThisNameIsOwnOnlyForTheTenureThisProcessWrote() {
    CheckpointLease.RenewalRecordingLock lock = new CheckpointLease.RenewalRecordingLock("ns", "clicks-checkpoint", "runner-a");
    assertThat(lock.toRecord(lease("runner-a", NOW, 1)).getHolderIdentity()).as("never written here")
        .isEqualTo("runner-a (another process)");
    lock.written(new LeaderElectionRecord("runner-a", Duration.ofSeconds(15), NOW.plusNanos(1_234_567), NOW, 2));
    assertThat(lock.toRecord(lease("runner-a", NOW.plusNanos(1_234_000), 2)).getHolderIdentity())
        .as("its own tenure, as the API server keeps it (microseconds)").isEqualTo("runner-a");
    assertThat(lock.toRecord(lease("runner-a", NOW.plusSeconds(20), 3)).getHolderIdentity())
        .as("taken over under the same name").isEqualTo("runner-a (another process)");
  }

  private static Lease lease(String holder, ZonedDateTime acquired, int transitions) {
    return new io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder().withMetadata(meta().build())
        .withNewSpec().withHolderIdentity(holder).withLeaseDurationSeconds(15).withAcquireTime(acquired)
        .withRenewTime(acquired).withLeaseTransitions(transitions).endSpec().build();
  }

  private static ObjectMetaBuilder meta() {
    return new ObjectMetaBuilder().withName("clicks-checkpoint").withNamespace("ns");
  }
}
