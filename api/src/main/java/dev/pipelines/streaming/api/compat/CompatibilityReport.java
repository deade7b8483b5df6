package dev.pipelines.streaming.api.compat;

import java.util.List;
import java.util.stream.Collectors;

/** The verdict on a spec change: empty means every query can resume from its checkpoint. */
public record CompatibilityReport(List<Incompatibility> incompatibilities) {

  public boolean compatible() {
    return incompatibilities.isEmpty();
  }

  /** One line per incompatibility, for conditions, events and CLI output. */
  public String summary() {
    return compatible() ? "compatible: every query resumes from its checkpoint"
        : incompatibilities.stream().map(Incompatibility::toString).collect(Collectors.joining("; "));
  }
}
