package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;

/** A built-in, deterministic demo stream so a pipeline runs with nothing installed. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record GeneratorSourceSpec(
    @JsonPropertyDescription("Stream kind: clickstream (default).") GeneratorKind kind,
    @JsonPropertyDescription("Rows per second (default 10).") Integer rowsPerSecond,
    @JsonPropertyDescription("Distinct userId values (default 50).") Integer users) {

  public static final int DEFAULT_ROWS_PER_SECOND = 10;
  public static final int DEFAULT_USERS = 50;

  public GeneratorKind kindOrDefault() {
    return kind == null ? GeneratorKind.CLICKSTREAM : kind;
  }

  public int rowsPerSecondOrDefault() {
    return rowsPerSecond == null ? DEFAULT_ROWS_PER_SECOND : rowsPerSecond;
  }

  public int usersOrDefault() {
    return users == null ? DEFAULT_USERS : users;
  }
}
