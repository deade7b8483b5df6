package dev.pipelines.streaming.api.status;

/**
 * A pipeline's {@code status.phase}: one word for {@code kubectl get spipe}, the metrics'
 * {@code phase} label, the dashboard and the Argo CD health check (docs/argocd/health.lua),
 * which must know every value (PhaseTest in the operator checks it does). Conditions carry the
 * detail; the phase is the summary.
 */
public enum Phase {
  /** Seen, nothing decided yet. */
  PENDING("Pending"),
  /** A driver was created (or is being created) and is not running yet. */
  STARTING("Starting"),
  /** The driver of the current generation runs. */
  RUNNING("Running"),
  /** The old driver is stopping gracefully so the new generation can start. */
  UPGRADING("Upgrading"),
  /** The driver failed (or could not be created); the next attempt waits for its backoff. */
  RESTARTING("Restarting"),
  /** {@code spec.suspend: true}: no driver, checkpoint kept. */
  SUSPENDED("Suspended"),
  /** The driver ended successfully ({@code availableNow}) and is not restarted. */
  COMPLETED("Completed"),
  /** Nothing runs and nothing will until the spec changes. */
  FAILED("Failed");

  private final String value;

  Phase(String value) {
    this.value = value;
  }

  /** The word written to {@code status.phase}. */
  public String value() {
    return value;
  }

  /** Is {@code phase} (a status string, maybe null) this phase? */
  public boolean is(String phase) {
    return value.equals(phase);
  }

  /** The phase a status string names; PENDING for null or an unknown word. */
  public static Phase of(String phase) {
    for (Phase p : values()) {
      if (p.value.equals(phase)) {
        return p;
      }
    }
    return PENDING;
  }
}
