package dev.pipelines.streaming.api.status;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record RestartStatus(Integer count, String lastReason, String lastFailureAt, String nextRetryAt) {
  public static final RestartStatus NONE = new RestartStatus(0, null, null, null);

  public int countOrZero() {
    return count == null ? 0 : count;
  }
}
