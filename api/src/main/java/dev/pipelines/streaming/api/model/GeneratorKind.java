package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;

public enum GeneratorKind {
  /** eventId long, userId string, page string, amount decimal(10,2), eventTime timestamp. */
  @JsonProperty("clickstream") CLICKSTREAM(List.of(
      new FieldSpec("eventId", "long"),
      new FieldSpec("userId", "string"),
      new FieldSpec("page", "string"),
      new FieldSpec("amount", "decimal(10,2)"),
      new FieldSpec("eventTime", "timestamp")));

  private final List<FieldSpec> columns;

  GeneratorKind(List<FieldSpec> columns) {
    this.columns = columns;
  }

  /** The columns every row of this generator has, in order. */
  public List<FieldSpec> columns() {
    return columns;
  }
}
