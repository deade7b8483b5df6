package dev.pipelines.streaming.operator;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Disabled;
import org.junit.jupiter.api.Test;

/** The reconcile scenarios on fabric8's mock API server (CRUD mode): fast, no schema checks. */
@EnableKubernetesMockClient(crud = true)
class ReconcileOnMockServerTest extends ReconcileAgainstApiServerTest {
  static KubernetesClient mockClient;

  @Override
  KubernetesClient client() {
    return mockClient;
  }

  @Override
  @Test
  @Disabled("the CRUD mock does not refuse a status write with an old resourceVersion; the real API server does")
  void aStaleReconcilesStatusIsRefusedAndTheNewerStatusStays() {
  }

  @Override
  @Test
  @Disabled("the CRUD mock does not refuse a NetworkPolicy with an invalid CIDR; the real API server does")
  void withEgressPoliciesOnAPipelinesPodsAreHeldBeforeItsDriverStarts() {
  }
}
