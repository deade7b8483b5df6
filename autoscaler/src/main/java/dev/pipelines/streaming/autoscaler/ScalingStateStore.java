package dev.pipelines.streaming.autoscaler;

/**
 * Where the autoscaler's state lives between decisions and across restarts, per pipeline
 * (the Flink autoscaler's {@code AutoScalerStateStore}, reduced to one value).
 * Implementations fail closed: a state that cannot be stored means no action is taken.
 */
public interface ScalingStateStore {
  /** The stored state of {@code key}, or {@link ScalingState#INITIAL} when there is none. */
  ScalingState load(String key);

  /**
   * Stores {@code state} for {@code key} before the action it records is taken.
   *
   * @throws IllegalStateException when it could not be stored (the caller must not act)
   */
  void store(String key, ScalingState state);
}
