package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.compat.CheckpointCompatibility;
import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.validation.KubernetesRules;
import dev.pipelines.streaming.operator.autoscale.ProgressStep;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import java.time.Clock;
import java.time.Instant;

/**
 * One reconcile: observe the cluster, decide (pure), act, and hand back the status to write.
 * Independent of JOSDK so tests can drive it step by step against an API server.
 */
public final class ReconcileLoop {
  private final PipelineObserver observer;
  private final Decider decider;
  private final ClusterActor actor;
  private final EventRecorder events;
  private final Clock clock;
  private final ProgressStep progress;

  public ReconcileLoop(PipelineObserver observer, Decider decider, ClusterActor actor, EventRecorder events, Clock clock,
      ProgressStep progress) {
    this.observer = observer;
    this.decider = decider;
    this.actor = actor;
    this.events = events;
    this.clock = clock;
    this.progress = progress;
  }

  public Decision reconcile(StreamingPipelineResource p) {
    String ns = p.getMetadata().getNamespace();
    String name = p.getMetadata().getName();
    StreamingPipeline desired = p.toPipeline();
    Instant now = clock.instant();
    ReconcileInput input = new ReconcileInput(ns, name, ClusterActor.generation(p), p.getSpec(), p.getStatus(),
        KubernetesRules.validate(desired), observer.driver(ns, name),
        () -> observer.runningSpec(ns, name).map(running -> CheckpointCompatibility.check(running, desired)).orElse(null),
        now);
    Decision decision = decider.decide(input);
    decision.actions().forEach(a -> actor.apply(p, a));
    decision.events().forEach(e -> events.record(p, e, now));
    if (progress == null || !decision.actions().isEmpty()) {
      return decision;
    }
    ProgressStep.Outcome observed = progress.apply(p.getMetadata().getUid(), ns, name, p.getSpec(), decision.status(), now);
    observed.events().forEach(e -> events.record(p, e, now));
    return new Decision(decision.actions(), observed.status(), decision.events(), decision.requeueAfter());
  }
}
