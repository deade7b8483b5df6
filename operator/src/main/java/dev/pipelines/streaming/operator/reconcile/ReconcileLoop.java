package dev.pipelines.streaming.operator.reconcile;

import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.validation.KubernetesRules;
import dev.pipelines.streaming.operator.autoscale.ProgressStep;
import dev.pipelines.streaming.operator.policy.TenantPolicy;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.api.model.Pod;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * One reconcile: observe the cluster, decide (pure), record the decision's status, act, and
 * record the outcome. Status is the operator's write-ahead log: a decision with actions is
 * written <em>before</em> them (target generation, attempt, checkpoint epoch), so an operator
 * that dies between a stop and a start resumes the recorded transition instead of guessing.
 * A failed action (the API server refused a create) reaches status and an Event; it never
 * stays in the log only. Independent of JOSDK so tests can drive it step by step.
 */
public final class ReconcileLoop {
  private final PipelineObserver observer;
  private final Decider decider;
  private final ClusterActor actor;
  private final EventRecorder events;
  private final Clock clock;
  private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(ReconcileLoop.class);
  private final ProgressStep progress;
  private final TenantPolicy policy;

  /** Writes a pipeline's status and returns the pipeline as stored (new resourceVersion). */
  @FunctionalInterface
  public interface StatusWriter {
    StreamingPipelineResource write(StreamingPipelineResource pipeline, PipelineStatus status);
  }

  /** @param policy what the admin allows pipeline authors; a refused pipeline starts nothing */
  public ReconcileLoop(PipelineObserver observer, Decider decider, ClusterActor actor, EventRecorder events, Clock clock,
      ProgressStep progress, TenantPolicy policy) {
    this.policy = Objects.requireNonNull(policy, "policy");
    this.observer = observer;
    this.decider = decider;
    this.actor = actor;
    this.events = events;
    this.clock = clock;
    this.progress = progress;
  }

  /**
   * Reconciles once, reading the driver pods with a LIST, and writes status through
   * {@code writer} (only when it changed); returns the decision.
   */
  public Decision reconcile(StreamingPipelineResource p, StatusWriter writer) {
    return reconcile(p, observer.driver(p.getMetadata().getNamespace(), p.getMetadata().getName()), writer);
  }

  /** Reconciles once with the driver pods the caller observed (the operator's informer cache). */
  public Decision reconcile(StreamingPipelineResource p, Collection<Pod> driverPods, StatusWriter writer) {
    return reconcile(p, observer.driver(p.getMetadata().getName(), p.getMetadata().getUid(), driverPods), writer);
  }

  /**
   * Forgets what is kept in memory about a deleted pipeline (progress samples, autoscaler
   * state, the dashboard's history); its objects go by garbage collection.
   */
  public void forget(StreamingPipelineResource p) {
    if (progress != null) {
      progress.forget(p.getMetadata().getNamespace(), p.getMetadata().getName());
    }
  }

  private Decision reconcile(StreamingPipelineResource p, ObservedDriver driver, StatusWriter writer) {
    String ns = p.getMetadata().getNamespace();
    String name = p.getMetadata().getName();
    StreamingPipeline desired = p.toPipeline();
    Instant now = clock.instant();
    ReconcileInput input = new ReconcileInput(ns, name, ClusterActor.generation(p), desired, p.getStatus(),
        KubernetesRules.validate(desired), policy.check(ns, desired), driver, memoize(() -> observer.checkpointRecord(ns, name)),
        now);
    Decision decision = decider.decide(input);
    StreamingPipelineResource stored = p;
    if (!decision.actions().isEmpty()) {
      stored = write(writer, stored, decision.status()); // intent first
    }
    for (Action action : decision.actions()) {
      try {
        actor.apply(p, action);
      } catch (RuntimeException e) {
        Decision failed = decider.actionFailed(input, e instanceof SpecNotRecordedException ? p.getStatus() : decision.status(),
            action, failureMessage(e));
        failed.events().forEach(ev -> events.record(p, ev, now));
        write(writer, stored, failed.status());
        return failed;
      }
    }
    decision.events().forEach(e -> events.record(p, e, now));
    if (progress != null && decision.actions().isEmpty()) {
      ProgressStep.Outcome observed = progress.apply(p.getMetadata().getUid(), ns, name, p.getSpec(), decision.status(), now);
      if (observed.tokenRejected()) {
        try {
          actor.writeControlToken(p); // the current key's token; the driver re-reads its mounted Secret
        } catch (RuntimeException e) {
          // status still says TokenRejected; tried again at the next reconcile (e.g. a Secret of that
          // name made immutable by someone else refuses the write)
          LOG.warn("{}/{}: could not write the control-token Secret again: {}", ns, name, e.toString());
        }
      }
      if (observed.scaleTo() != null) {
        stored = write(writer, stored, observed.status()); // the decision and its time first, then the request
        observed = progress.scale(p.getMetadata().getUid(), ns, name, observed);
      }
      observed.events().forEach(e -> events.record(p, e, now));
      decision = new Decision(decision.actions(), observed.status(), decision.events(), decision.requeueAfter());
    }
    write(writer, stored, decision.status());
    return decision;
  }

  /**
   * The status after a reconcile threw: Ready=False, reason ReconcileError, with the
   * exception's class and first line (never a stack trace), and a Warning event once per
   * distinct failure. The rest of status is kept: it still describes the cluster.
   */
  public PipelineStatus reconcileFailed(StreamingPipelineResource p, Exception e) {
    PipelineStatus status = p.getStatus() == null ? PipelineStatus.EMPTY : p.getStatus();
    Throwable cause = e.getCause() instanceof Error err ? err : e;
    String first = cause.getMessage() == null ? "" : cause.getMessage().lines().findFirst().orElse("");
    String message = "reconcile failed: " + cause.getClass().getName() + (first.isEmpty() ? "" : ": " + first)
        + " (retried with backoff; see the operator log)";
    Condition ready = Conditions.find(status.conditionsOrEmpty(), Condition.READY);
    if (ready == null || !"ReconcileError".equals(ready.reason()) || !message.equals(ready.message())) {
      events.record(p, PipelineEvent.warning("ReconcileError", message), clock.instant());
    }
    var conditions = Conditions.set(status.conditionsOrEmpty(), Condition.READY, false, "ReconcileError", message,
        clock.instant(), ClusterActor.generation(p));
    return new PipelineStatus(status.phase(), status.observedGeneration(), message, conditions, status.driver(),
        status.restarts(), status.checkpoint(), status.progress(), status.autoscaler());
  }

  private static StreamingPipelineResource write(StatusWriter writer, StreamingPipelineResource stored, PipelineStatus status) {
    return Objects.equals(status, stored.getStatus()) ? stored : writer.write(stored, status);
  }

  /**
   * The API server's own sentence ("pods ... is forbidden: violates PodSecurity ..."), else the
   * exception's class and first line: never a stack trace or a multi-line dump in status.
   */
  static String failureMessage(RuntimeException e) {
    if (e instanceof KubernetesClientException k && k.getStatus() != null && k.getStatus().getMessage() != null) {
      return k.getStatus().getMessage();
    }
    String m = e.getMessage();
    String first = m == null ? "" : m.lines().findFirst().orElse("");
    return e.getClass().getSimpleName() + (first.isEmpty() ? "" : ": " + first);
  }

  private static <T> Supplier<T> memoize(Supplier<T> s) {
    return new Supplier<>() {
      private T value;
      private boolean done;

      @Override
      public synchronized T get() {
        if (!done) {
          value = s.get();
          done = true;
        }
        return value;
      }
    };
  }
}
