package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import java.time.Instant;
import java.util.concurrent.ThreadLocalRandom;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes the decisions' events (kubectl describe spipe shows them) and logs them. */
public final class EventRecorder {
  static final String COMPONENT = "streaming-pipeline-operator";
  private static final Logger LOG = LoggerFactory.getLogger(EventRecorder.class);
  private final KubernetesClient client;

  public EventRecorder(KubernetesClient client) {
    this.client = client;
  }

  public void record(StreamingPipelineResource p, PipelineEvent e, Instant now) {
    String ns = p.getMetadata().getNamespace();
    String name = p.getMetadata().getName();
    LOG.info("{}/{}: {} {}: {}", ns, name, e.type(), e.reason(), e.message());
    var event = new EventBuilder()
        .withNewMetadata().withNamespace(ns)
          .withName(name + "." + Long.toHexString(now.toEpochMilli()) + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000)))
        .endMetadata()
        .withNewInvolvedObject().withApiVersion(p.getApiVersion()).withKind(p.getKind()).withName(name)
          .withNamespace(ns).withUid(p.getMetadata().getUid()).endInvolvedObject()
        .withType(e.type().name()).withReason(e.reason()).withMessage(e.message())
        .withFirstTimestamp(now.toString()).withLastTimestamp(now.toString()).withCount(1)
        .withNewSource().withComponent(COMPONENT).endSource()
        .build();
    try {
      client.v1().events().inNamespace(ns).resource(event).create();
    } catch (KubernetesClientException ex) {
      LOG.warn("could not record event {} for {}/{}: {}", e.reason(), ns, name, ex.getMessage());
    }
  }
}
