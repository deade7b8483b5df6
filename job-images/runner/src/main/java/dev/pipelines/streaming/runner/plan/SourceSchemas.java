package dev.pipelines.streaming.runner.plan;

import dev.pipelines.streaming.api.model.DataFormat;
import dev.pipelines.streaming.api.model.FieldSpec;
import dev.pipelines.streaming.api.model.SourceSpec;
import dev.pipelines.streaming.api.validation.Problem;
import dev.pipelines.streaming.runner.spark.SparkErrors;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/** The Spark schemas a source's declaration implies. */
public final class SourceSchemas {
  private SourceSchemas() {}

  /** The parsed value (or file row) schema declared in {@code schema}. */
  public static StructType declared(SourceSpec source) {
    List<StructField> fields = new ArrayList<>();
    for (FieldSpec f : source.schemaOrEmpty()) {
      fields.add(DataTypes.createStructField(f.name(), DataType.fromDDL(f.type()), true));
    }
    return DataTypes.createStructType(fields);
  }

  /** Declared types Spark cannot parse, each at its field path. */
  public static List<Problem> typeProblems(SourceSpec source, String path) {
    List<Problem> problems = new ArrayList<>();
    for (int i = 0; i < source.schemaOrEmpty().size(); i++) {
      try {
        DataType.fromDDL(source.schemaOrEmpty().get(i).type());
      } catch (Exception e) {
        problems.add(Problem.at(path + ".schema[" + i + "].type", SparkErrors.oneLine(e)));
      }
    }
    return problems;
  }

  /** The {@code kafkaHeaders} column: Spark's {@code headers} with each value as UTF-8 text. */
  public static final DataType KAFKA_HEADERS = DataTypes.createArrayType(new StructType()
      .add("key", DataTypes.StringType).add("value", DataTypes.StringType));

  /** Every column the source's DataFrame has, in order. */
  public static StructType output(SourceSpec source) {
    if (source.generator() != null) {
      List<StructField> fields = new ArrayList<>();
      for (FieldSpec f : source.generator().kindOrDefault().columns()) {
        fields.add(DataTypes.createStructField(f.name(), DataType.fromDDL(f.type()), false));
      }
      return DataTypes.createStructType(fields);
    }
    StructType schema = isText(source)
        ? new StructType().add("value", DataTypes.StringType)
        : declared(source);
    if (source.kafka() != null && source.kafka().includeMetadataOrDefault()) {
      schema = schema.add("kafkaKey", DataTypes.StringType)
          .add("kafkaTopic", DataTypes.StringType)
          .add("kafkaPartition", DataTypes.IntegerType)
          .add("kafkaOffset", DataTypes.LongType)
          .add("kafkaTimestamp", DataTypes.TimestampType);
    }
    if (source.kafka() != null && source.kafka().includeHeadersOrDefault()) {
      schema = schema.add("kafkaHeaders", KAFKA_HEADERS);
    }
    return schema;
  }

  static boolean isText(SourceSpec source) {
    DataFormat format = source.files() != null ? source.files().format() : source.formatOrDefault();
    return format == DataFormat.TEXT;
  }
}
