package dev.pipelines.streaming.runner.fence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaderElectionRecord;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** A Lease record's renewTime, as the reader's own clock saw it change (client-go's observedTime). */
class ObservedRenewalsTest {
  static final Duration LEASE = Duration.ofSeconds(15);

  @Test
  void aRecordIsDatedWhenThisReaderFirstSawItNotByTheHoldersClock() {
    AtomicLong nanos = new AtomicLong(0);
    ObservedRenewals clock = new ObservedRenewals(nanos::get);
    ZonedDateTime anHourBehind = ZonedDateTime.now(ZoneOffset.UTC).minusHours(1);
    LeaderElectionRecord renewed = new LeaderElectionRecord("skewed", LEASE, anHourBehind, anHourBehind, 3);

    LeaderElectionRecord first = clock.restamp(renewed, "1");
    assertThat(first.getRenewTime()).as("first seen now, not an hour ago")
        .isCloseTo(ZonedDateTime.now(ZoneOffset.UTC), within(2, ChronoUnit.SECONDS));
    assertThat(first.getHolderIdentity()).isEqualTo("skewed");
    assertThat(first.getAcquireTime()).isEqualTo(anHourBehind);
    assertThat(first.getLeaderTransitions()).isEqualTo(3);

    nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(clock.restamp(renewed, "1").getRenewTime()).as("unchanged record: still dated when it was first seen")
        .isCloseTo(ZonedDateTime.now(ZoneOffset.UTC).minusSeconds(10), within(2, ChronoUnit.SECONDS));

    LeaderElectionRecord renewedAgain = new LeaderElectionRecord("skewed", LEASE, anHourBehind, anHourBehind.plusSeconds(2), 3);
    assertThat(clock.restamp(renewedAgain, "2").getRenewTime()).as("the holder renewed: seen now")
        .isCloseTo(ZonedDateTime.now(ZoneOffset.UTC), within(2, ChronoUnit.SECONDS));
    nanos.addAndGet(Duration.ofSeconds(10).toNanos());
    assertThat(clock.restamp(renewedAgain, "3").getRenewTime()).as("rewritten with the same renewTime (a clock standing still): seen now")
        .isCloseTo(ZonedDateTime.now(ZoneOffset.UTC), within(2, ChronoUnit.SECONDS));
    assertThat(clock.restamp(null, null)).isNull();
  }
}
