package dev.pipelines.streaming.runner.fence;

import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.Objects;
import java.util.function.LongSupplier;

/**
 * Makes a Lease's expiry a matter of the reader's own clock. fabric8's LeaderElector takes a
 * Lease when {@code now > renewTime + leaseDuration}, with {@code renewTime} as the holder's
 * clock wrote it: a holder whose clock runs a minute behind looks expired to every other node
 * while it still renews, and two drivers commit. client-go instead remembers when <em>it</em>
 * saw the record change (its {@code observedTime}) and waits a lease duration from then.
 *
 * <p>This does the same under fabric8: every record read is given, as its renewTime, the local
 * instant at which this reader first saw that exact record (holder, acquire and renew times,
 * transitions), measured on the monotonic clock so a step of the wall clock does not shorten the
 * wait. The holder stops committing {@link CheckpointLease#RENEW_DEADLINE} after the start of its
 * last successful renewal; a reader sees that renewal after it was written, so it takes over no
 * earlier than {@link CheckpointLease#LEASE_DURATION} after it, on any clocks. The cost, as in
 * client-go: a reader that first sees a Lease left by a killed holder waits one lease duration
 * from that first read, even if the holder died long before.
 */
final class ObservedRenewals {
  private final LongSupplier nanoTime;
  private LeaderElectionRecord seen;
  private String seenVersion;
  private long seenAtNanos;

  ObservedRenewals(LongSupplier nanoTime) {
    this.nanoTime = nanoTime;
  }

  /**
   * {@code read} with its renewTime replaced by the local time at which this exact record was
   * first read (the holder's own times are kept in every other field). Null stays null.
   *
   * @param version the Lease's resourceVersion, which every write changes (even one whose
   *     renewTime did not move: a holder's clock that stands still); null when not known
   */
  synchronized LeaderElectionRecord restamp(LeaderElectionRecord read, String version) {
    if (read == null) {
      return null;
    }
    long now = nanoTime.getAsLong();
    if (!sameRecord(read, seen) || !Objects.equals(version, seenVersion)) {
      seen = read;
      seenVersion = version;
      seenAtNanos = now;
    }
    ZonedDateTime observed = ZonedDateTime.now(ZoneOffset.UTC).minus(Duration.ofNanos(now - seenAtNanos));
    return new LeaderElectionRecord(read.getHolderIdentity(), read.getLeaseDuration(), read.getAcquireTime(), observed,
        read.getLeaderTransitions());
  }

  private static boolean sameRecord(LeaderElectionRecord a, LeaderElectionRecord b) {
    return b != null && Objects.equals(a.getHolderIdentity(), b.getHolderIdentity())
        && Objects.equals(a.getRenewTime(), b.getRenewTime()) && Objects.equals(a.getAcquireTime(), b.getAcquireTime())
        && a.getLeaderTransitions() == b.getLeaderTransitions() && Objects.equals(a.getLeaseDuration(), b.getLeaseDuration());
  }
}
