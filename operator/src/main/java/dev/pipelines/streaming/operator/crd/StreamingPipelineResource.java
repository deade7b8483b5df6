package dev.pipelines.streaming.operator.crd;

import dev.pipelines.streaming.api.model.PipelineSpec;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.status.PipelineStatus;
import io.fabric8.kubernetes.api.model.Namespaced;
import io.fabric8.kubernetes.client.CustomResource;
import io.fabric8.kubernetes.model.annotation.Group;
import io.fabric8.kubernetes.model.annotation.Kind;
import io.fabric8.kubernetes.model.annotation.Plural;
import io.fabric8.kubernetes.model.annotation.ShortNames;
import io.fabric8.kubernetes.model.annotation.Version;
import dev.pipelines.streaming.api.model.Metadata;

/** The StreamingPipeline custom resource: the api module's spec and status on Kubernetes. */
@Group(StreamingPipeline.GROUP)
@Version(StreamingPipeline.VERSION)
@Kind(StreamingPipeline.KIND)
@Plural("streamingpipelines")
@ShortNames("spipe")
public class StreamingPipelineResource extends CustomResource<PipelineSpec, PipelineStatus> implements Namespaced {

  /** The same pipeline as the runner and the CLI see it (for validation and compatibility). */
  public StreamingPipeline toPipeline() {
    return new StreamingPipeline(getApiVersion(), getKind(),
        new Metadata(getMetadata().getName(), getMetadata().getNamespace(), getMetadata().getLabels(), null),
        getSpec());
  }
}
