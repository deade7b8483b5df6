package dev.pipelines.streaming.operator;

import dev.pipelines.streaming.operator.apiserver.RealApiServer;
import io.fabric8.kubernetes.client.KubernetesClient;
import java.io.IOException;
import org.junit.jupiter.api.BeforeAll;

/** The reconcile scenarios on a real kube-apiserver + etcd (see e2e/apiserver). */
class ReconcileOnRealApiServerTest extends ReconcileAgainstApiServerTest {
  static KubernetesClient admin;

  @BeforeAll
  static void startServer() throws IOException {
    admin = RealApiServer.adminClient();
    RealApiServer.installCrd(admin);
  }

  @Override
  KubernetesClient client() {
    return admin;
  }
}
