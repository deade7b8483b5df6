package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record CheckpointStatus(
    @JsonPropertyDescription("Checkpoint root the driver uses: <checkpoint>/<pipeline>/<epoch>.") String location,
    @JsonPropertyDescription("Incremented by a resetCheckpoint upgrade; old checkpoints are kept, not deleted.") Integer epoch,
    Long lastCommittedBatch) {

  public int epochOrZero() {
    return epoch == null ? 0 : epoch;
  }
}
