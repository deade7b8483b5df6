package dev.pipelines.streaming.runner.spark;

import java.io.Serial;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.catalyst.InternalRow;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.expressions.codegen.CodeGenerator;
import org.apache.spark.sql.catalyst.expressions.codegen.CodegenContext;
import org.apache.spark.sql.catalyst.expressions.codegen.ExprCode;
import org.apache.spark.sql.catalyst.expressions.codegen.JavaCode;
import org.apache.spark.sql.classic.ExpressionUtils;
import org.apache.spark.sql.types.DataType;
import scala.collection.immutable.IndexedSeq;
import scala.collection.immutable.Seq;
import scala.jdk.javaapi.CollectionConverters;

/**
 * A value that is fixed for a micro-batch but changes between batches, such as
 * {@code unix_micros(current_timestamp()) + 60000000}, handed to Spark's generated code as a
 * reference instead of being written into its source.
 *
 * <p>Why: a streaming query replaces {@code current_timestamp()} with a literal of the batch's
 * time after optimizing ({@code IncrementalExecution}), and whole-stage code generation writes
 * primitive literals into the generated Java source ({@code Literal.doGenCode}). So each batch's
 * source differs, Spark's code cache misses, and every batch compiles the stage again (Janino)
 * and runs it cold until the JIT catches up: two compilations per batch and about 4 % of the
 * throughput of benchmark 1 (bench/README.md). Wrapped in this expression, the value goes into
 * the generated class's {@code references} array, the source is the same for every batch and is
 * compiled once.
 *
 * <p>Outside generated code, and when its child is not constant, it is its child.
 */
public final class BatchConstant extends Expression implements Serializable {
  @Serial private static final long serialVersionUID = 1L;
  private final Expression child;
  private final Seq<Expression> children;

  /** Wraps {@code child}, an expression that is constant once Spark has planned a batch. */
  public BatchConstant(Expression child) {
    this.child = Objects.requireNonNull(child, "child");
    this.children = CollectionConverters.asScala(List.of(child)).toList();
  }

  /** {@code column} (an expression constant per micro-batch) as a batch constant. */
  public static Column of(Column column) {
    return ExpressionUtils.column(new BatchConstant(ExpressionUtils.expression(column)));
  }

  /** The wrapped expression. */
  public Expression child() {
    return child;
  }

  @Override
  public Seq<Expression> children() {
    return children;
  }

  @Override
  public DataType dataType() {
    return child.dataType();
  }

  @Override
  public boolean nullable() {
    return child.nullable();
  }

  /** Never: folding it into a literal is what this expression exists to prevent. */
  @Override
  public boolean foldable() {
    return false;
  }

  @Override
  public Object eval(InternalRow input) {
    return child.eval(input);
  }

  @Override
  public ExprCode doGenCode(CodegenContext ctx, ExprCode ev) {
    if (!child.foldable()) {
      return child.genCode(ctx);
    }
    DataType type = dataType();
    String reference = ctx.addReferenceObj("batchConstant", child.eval(null), CodeGenerator.boxedType(type).toString());
    // Read once per instance of the generated class (each batch makes its own, with its own
    // references); the source does not depend on the value, nor on whether it is null.
    String isNull = ctx.addMutableState("boolean", "batchConstantIsNull", v -> v + " = " + reference + " == null;", true, true);
    String javaType = CodeGenerator.javaType(type).toString();
    String unboxed = CodeGenerator.isPrimitiveType(type) ? reference + "." + javaType + "Value()" : reference;
    String value = ctx.addMutableState(javaType, "batchConstant",
        v -> v + " = " + isNull + " ? " + CodeGenerator.defaultValue(type, false) + " : " + unboxed + ";", true, true);
    return ExprCode.apply(JavaCode.isNullGlobal(isNull), JavaCode.global(value, type));
  }

  @Override
  public Expression withNewChildrenInternal(IndexedSeq<Expression> newChildren) {
    return new BatchConstant(newChildren.apply(0));
  }

  @Override
  public String prettyName() {
    return "batch_constant";
  }

  @Override
  public int productArity() {
    return 1;
  }

  @Override
  public Object productElement(int n) {
    if (n != 0) {
      throw new IndexOutOfBoundsException(n);
    }
    return child;
  }

  @Override
  public boolean canEqual(Object other) {
    return other instanceof BatchConstant;
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof BatchConstant b && child.equals(b.child);
  }

  @Override
  public int hashCode() {
    return 31 * BatchConstant.class.getName().hashCode() + child.hashCode(); // the same in every JVM
  }
}
