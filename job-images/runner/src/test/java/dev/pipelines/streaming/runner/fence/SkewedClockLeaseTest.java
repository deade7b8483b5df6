package dev.pipelines.streaming.runner.fence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.api.model.coordination.v1.LeaseBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * #29: the fence assumed synchronised clocks. A holder on a node whose clock runs an hour behind
 * writes renewTimes an hour old; fabric8's LeaderElector compared them with the taker's clock and
 * took the Lease at once while the holder still renewed (two drivers committing). Against the real
 * API server: the taker waits while the record keeps changing, and takes it once renewals stop.
 */
class SkewedClockLeaseTest {

  @Test
  void aHolderWhoseClockIsAnHourBehindKeepsTheLeaseWhileItRenews() throws Exception {
    KubernetesClient admin = RealApiServer.adminClient();
    String ns = "skew-" + UUID.randomUUID().toString().substring(0, 6);
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    ZonedDateTime behind = ZonedDateTime.now(ZoneOffset.UTC).minusHours(1);
    admin.resource(new LeaseBuilder().withNewMetadata().withName("cp").withNamespace(ns).endMetadata()
        .withNewSpec().withHolderIdentity("skewed-holder").withLeaseDurationSeconds(15).withAcquireTime(behind)
        .withRenewTime(behind).withLeaseTransitions(0).endSpec().build()).create();
    ScheduledExecutorService holder = Executors.newSingleThreadScheduledExecutor();
    holder.scheduleAtFixedRate(() -> admin.resources(Lease.class).inNamespace(ns).withName("cp").edit(l -> {
      l.getSpec().setRenewTime(ZonedDateTime.now(ZoneOffset.UTC).minusHours(1)); // its clock, an hour behind
      return l;
    }), 2, 2, TimeUnit.SECONDS);

    StringWriter log = new StringWriter();
    CheckpointLease taker = CheckpointLease.start(admin, ns, "cp", "taker", () -> { }, new PrintWriter(log, true));
    try {
      long until = System.nanoTime() + Duration.ofSeconds(25).toNanos(); // beyond the 15 s lease duration
      while (System.nanoTime() < until) {
        assertThat(taker.refusal()).as("the taker never holds a Lease that is being renewed").isNotNull();
        assertThat(admin.resources(Lease.class).inNamespace(ns).withName("cp").get().getSpec().getHolderIdentity())
            .isEqualTo("skewed-holder");
        Thread.sleep(500);
      }
      holder.shutdownNow(); // the skewed holder dies: no release
      holder.awaitTermination(10, TimeUnit.SECONDS);
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      assertThat(taker.awaitHeld(() -> System.nanoTime() > deadline)).as("taken once renewals stop\n" + log).isTrue();
      assertThat(taker.refusal()).isNull();
      assertThat(admin.resources(Lease.class).inNamespace(ns).withName("cp").get().getSpec().getHolderIdentity())
          .isEqualTo("taker");
    } finally {
      holder.shutdownNow();
      taker.close();
    }
  }
}
