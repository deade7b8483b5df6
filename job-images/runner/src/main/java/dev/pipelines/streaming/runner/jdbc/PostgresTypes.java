package dev.pipelines.streaming.runner.jdbc;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.to_json;

import java.util.Arrays;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DecimalType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructType;

/**
 * Spark → PostgreSQL column types for tables the sink creates (documented in docs/spec.md):
 * string→text, int→integer, long→bigint, short/byte→smallint, double→double precision,
 * float→real, boolean→boolean, timestamp→timestamptz, timestamp_ntz→timestamp, date→date,
 * decimal(p,s)→numeric(p,s), binary→bytea, arrays/maps/structs→jsonb.
 */
final class PostgresTypes {
  private PostgresTypes() {}

  static String sqlType(DataType t) {
    if (t.equals(DataTypes.StringType)) return "text";
    if (t.equals(DataTypes.IntegerType)) return "integer";
    if (t.equals(DataTypes.LongType)) return "bigint";
    if (t.equals(DataTypes.ShortType) || t.equals(DataTypes.ByteType)) return "smallint";
    if (t.equals(DataTypes.DoubleType)) return "double precision";
    if (t.equals(DataTypes.FloatType)) return "real";
    if (t.equals(DataTypes.BooleanType)) return "boolean";
    if (t.equals(DataTypes.TimestampType)) return "timestamptz";
    if (t.equals(DataTypes.TimestampNTZType)) return "timestamp";
    if (t.equals(DataTypes.DateType)) return "date";
    if (t.equals(DataTypes.BinaryType)) return "bytea";
    if (t instanceof DecimalType d) return "numeric(" + d.precision() + "," + d.scale() + ")";
    if (isComplex(t)) return "jsonb";
    return "text";
  }

  static boolean isComplex(DataType t) {
    return t instanceof ArrayType || t instanceof MapType || t instanceof StructType;
  }

  /** Nested values travel as JSON text and land in jsonb columns. */
  static Dataset<Row> jsonifyComplex(Dataset<Row> rows) {
    Column[] columns = Arrays.stream(rows.schema().fields())
        .map(f -> isComplex(f.dataType()) ? to_json(col("`" + f.name() + "`")).as(f.name()) : col("`" + f.name() + "`"))
        .toArray(Column[]::new);
    return rows.select(columns);
  }

  static String quote(String identifier) {
    return "\"" + identifier.replace("\"", "\"\"") + "\"";
  }

  /** {@code schema.table} → {@code "schema"."table"}. */
  static String quoteQualified(String name) {
    return String.join(".", Arrays.stream(name.split("\\.")).map(PostgresTypes::quote).toList());
  }
}
