package dev.pipelines.streaming.autoscaler;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** A {@link ScalingStateStore} in this process only: for tests and simulations. */
public final class InMemoryScalingStateStore implements ScalingStateStore {
  private final Map<String, ScalingState> states = new ConcurrentHashMap<>();

  @Override
  public ScalingState load(String key) {
    return states.getOrDefault(key, ScalingState.INITIAL);
  }

  @Override
  public void store(String key, ScalingState state) {
    states.put(key, state);
  }
}
