package dev.pipelines.streaming.operator.apiserver;

import io.fabric8.kubernetes.api.model.BindingBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.NodeBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;

/**
 * Plays the kubelet for an API server without nodes (kwok-style): a Ready node, pods bound
 * to it, pod phases with container statuses, and the final removal of gracefully deleted
 * pods (a bound pod stays Terminating until its kubelet confirms). On fabric8's mock the
 * node and binding steps are no-ops: it has neither.
 */
public final class FakeKubelet {
  public static final String NODE = "fake-node";
  static final String CONTAINER = "spark-kubernetes-driver";
  private final KubernetesClient admin;

  public FakeKubelet(KubernetesClient admin) {
    this.admin = admin;
  }

  public void ensureNode() {
    try {
      if (admin.nodes().withName(NODE).get() == null) {
        admin.nodes().resource(new NodeBuilder().withNewMetadata().withName(NODE).endMetadata().build()).create();
      }
      var node = admin.nodes().withName(NODE).get();
      node.setStatus(new io.fabric8.kubernetes.api.model.NodeStatusBuilder()
          .addNewCondition().withType("Ready").withStatus("True").withReason("KubeletReady")
          .withLastHeartbeatTime(Instant.now().toString()).endCondition().build());
      admin.nodes().resource(node).updateStatus();
    } catch (KubernetesClientException mockHasNoNodes) {
      // fabric8's mock: nothing to schedule onto, nothing needed
    }
  }

  /** Binds the pod to the fake node, as the scheduler would. */
  public void schedule(String ns, String pod) {
    Pod p = admin.pods().inNamespace(ns).withName(pod).get();
    if (p == null || p.getSpec().getNodeName() != null) {
      return;
    }
    try {
      admin.bindings().inNamespace(ns).resource(new BindingBuilder().withNewMetadata().withName(pod).endMetadata()
          .withNewTarget().withKind("Node").withName(NODE).endTarget().build()).create();
    } catch (KubernetesClientException mockHasNoScheduler) {
      // fabric8's mock stores the binding but does not bind
    }
  }

  /** Sets the pod's phase; a finished container reports its exit code like a real one. */
  public void setPhase(String ns, String pod, String phase, Integer exitCode) {
    schedule(ns, pod);
    Pod p = admin.pods().inNamespace(ns).withName(pod).get();
    PodStatusBuilder status = new PodStatusBuilder().withPhase(phase);
    if (exitCode != null) {
      status.withContainerStatuses(new ContainerStatusBuilder().withName(CONTAINER).withReady(false)
          .withNewState().withNewTerminated().withExitCode(exitCode).withReason(exitCode == 0 ? "Completed" : "Error")
          .withMessage(exitCode == 0 ? null : "StreamingQueryException: broker down").endTerminated().endState().build());
    } else if ("Running".equals(phase)) {
      status.withContainerStatuses(new ContainerStatusBuilder().withName(CONTAINER).withReady(true)
          .withNewState().withNewRunning().withStartedAt(Instant.now().toString()).endRunning().endState().build());
    }
    p.setStatus(status.build());
    admin.pods().inNamespace(ns).resource(p).updateStatus();
  }

  /** Confirms every pending graceful deletion in the namespace: the containers have exited. */
  public int finishTerminations(String ns) {
    int finished = 0;
    for (Pod p : admin.pods().inNamespace(ns).list().getItems()) {
      if (p.getMetadata().getDeletionTimestamp() != null) {
        admin.pods().inNamespace(ns).withName(p.getMetadata().getName()).withGracePeriod(0).delete();
        finished++;
      }
    }
    return finished;
  }
}
