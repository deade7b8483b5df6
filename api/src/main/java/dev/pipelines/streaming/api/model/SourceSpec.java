package dev.pipelines.streaming.api.model;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonPropertyDescription;
import java.util.List;

/** A named input. Exactly one of kafka, files, socket, generator, jdbc is set. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record SourceSpec(
    String name,
    KafkaSourceSpec kafka,
    FilesSourceSpec files,
    SocketSourceSpec socket,
    GeneratorSourceSpec generator,
    @JsonPropertyDescription("A database table, read as a static table (for joins).") JdbcSourceSpec jdbc,
    @JsonPropertyDescription("How the Kafka/socket message value is parsed: json (default), csv or text.")
    DataFormat format,
    @JsonPropertyDescription("Columns of the parsed value; required for json and csv.")
    List<FieldSpec> schema,
    WatermarkSpec watermark,
    @JsonPropertyDescription("Spark datetime pattern for timestamp columns in json/csv values and files, e.g. "
        + "\"yyyy-MM-dd'T'HH:mm[:ss]XXX\" to accept times without seconds; default: Spark's ISO-8601 parsing.")
    String timestampFormat) {

  public List<FieldSpec> schemaOrEmpty() {
    return schema == null ? List.of() : schema;
  }

  /** Static sources are read as tables (re-read each micro-batch), not as streams. */
  @JsonIgnore
  public boolean isStatic() {
    return jdbc != null || (files != null && Boolean.TRUE.equals(files.isStatic()));
  }

  /**
   * Options for Spark's json/csv parsing of this source's values or files: its
   * {@code timestampFormat}, when set (Spark's "Datetime Patterns"; unparsable values are NULL).
   */
  @JsonIgnore
  public java.util.Map<String, String> parseOptions() {
    return timestampFormat == null ? java.util.Map.of() : java.util.Map.of("timestampFormat", timestampFormat);
  }

  /**
   * True when Spark parses this source's rows as JSON or CSV against the declared schema (Kafka
   * values, streaming files): a row that does not parse can go to the dead letters. Not sockets:
   * the dead-letter query would open a second connection, which a one-client server never serves.
   */
  @JsonIgnore
  public boolean parsesRows() {
    if (files != null) {
      return !isStatic() && (files.format() == DataFormat.JSON || files.format() == DataFormat.CSV);
    }
    return kafka != null && formatOrDefault() != DataFormat.TEXT;
  }

  /** The value format of a Kafka or socket source. */
  public DataFormat formatOrDefault() {
    return format == null ? DataFormat.JSON : format;
  }
}
