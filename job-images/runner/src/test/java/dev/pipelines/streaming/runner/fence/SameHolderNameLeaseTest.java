package dev.pipelines.streaming.runner.fence;

import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.api.lease.LeaseHolders;
import dev.pipelines.streaming.testing.RealApiServer;
import io.fabric8.kubernetes.api.model.NamespaceBuilder;
import io.fabric8.kubernetes.api.model.coordination.v1.Lease;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * #29: two live runners with one holder name (a runner started twice with the same
 * {@code --lease-holder}, a pod name used again). fabric8's elector took a Lease naming its own
 * identity for its own hold, so the second took it at once while the first still renewed; only
 * Spark's own concurrent-log check stopped one, and on S3 nothing would. A process now holds the
 * Lease only once it has written it itself: the second waits, and takes it when the first lets go.
 */
class SameHolderNameLeaseTest {

  @Test
  void aSecondProcessUnderTheSameHolderNameWaitsForTheFirst() throws Exception {
    KubernetesClient admin = RealApiServer.adminClient();
    String ns = "same-" + UUID.randomUUID().toString().substring(0, 6);
    admin.namespaces().resource(new NamespaceBuilder().withNewMetadata().withName(ns).endMetadata().build()).create();
    StringWriter firstLog = new StringWriter();
    StringWriter secondLog = new StringWriter();
    CheckpointLease first = CheckpointLease.start(admin, ns, "cp", "runner-a", () -> { }, new PrintWriter(firstLog, true));
    CheckpointLease second = null;
    try {
      long deadline = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      assertThat(first.awaitHeld(() -> System.nanoTime() > deadline)).as(firstLog.toString()).isTrue();

      second = CheckpointLease.start(admin, ns, "cp", "runner-a", () -> { }, new PrintWriter(secondLog, true));
      long until = System.nanoTime() + Duration.ofSeconds(25).toNanos(); // beyond the 15 s lease duration
      while (System.nanoTime() < until) {
        assertThat(second.refusal()).as("the second process never holds the first one's Lease").isNotNull();
        assertThat(first.refusal()).as("the first keeps it").isNull();
        Thread.sleep(500);
      }
      long said = System.nanoTime() + Duration.ofSeconds(5).toNanos();
      assertThat(second.awaitHeld(() -> System.nanoTime() > said)).isFalse();
      assertThat(secondLog.toString()).contains("[lease] waiting for the checkpoint Lease " + ns + "/cp, held by runner-a"
          + " (another process)");

      first.close(); // a graceful stop releases the Lease
      long taken = System.nanoTime() + Duration.ofMinutes(1).toNanos();
      CheckpointLease waiting = second;
      assertThat(waiting.awaitHeld(() -> System.nanoTime() > taken)).as(secondLog.toString()).isTrue();
      Lease lease = admin.resources(Lease.class).inNamespace(ns).withName("cp").get();
      assertThat(lease.getSpec().getHolderIdentity()).isEqualTo("runner-a");
      assertThat(LeaseHolders.parse(lease.getMetadata().getAnnotations().get(LeaseHolders.ANNOTATION)))
          .as("two tenures of one name: the history shows both").hasSize(2);
    } finally {
      first.close();
      if (second != null) {
        second.close();
      }
    }
  }
}
