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

    lock.written(); // the taking was sent: from now on a record naming driver-2 is this process's own
    lock.toRecord(taken);
    Lease renewed = lock.toResource(new LeaderElectionRecord("driver-2", Duration.ofSeconds(15), NOW, NOW.plusSeconds(2), 2),
        meta());
    assertThat(renewed.getMetadata().getAnnotations()).as("a renewal: the merge patch keeps the history as it is").isEmpty();
    // fabric8's LeaderElector.release writes no holder: nothing to record, and no failure (it threw before)
    Lease released = lock.toResource(new LeaderElectionRecord(null, Duration.ofSeconds(1), NOW, NOW.plusSeconds(3), 2), meta());
    assertThat(released.getMetadata().getAnnotations()).isEmpty();
  }

  private static ObjectMetaBuilder meta() {
    return new ObjectMetaBuilder().withName("clicks-checkpoint").withNamespace("ns");
  }
}
