package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;

@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConsoleSinkSpec(Integer numRows, Boolean truncate) {

  public int numRowsOrDefault() {
    return numRows == null ? 20 : numRows;
  }

  public boolean truncateOrDefault() {
    return Boolean.TRUE.equals(truncate);
  }
}
