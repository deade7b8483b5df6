package dev.pipelines.streaming.runner;

import static dev.pipelines.streaming.runner.CliTest.spo;
import static org.assertj.core.api.Assertions.assertThat;

import dev.pipelines.streaming.runner.CliTest.Result;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code spo test}: fixture tests pass and fail for the right reason, with the exact lines a user reads. */
class FixtureTestCommandTest {
  @TempDir Path dir;

  /** Events deduplicated within the watermark, checked by a rule that drops non-positive amounts. */
  private static final String PIPELINE = """
      apiVersion: streaming.pipelines.dev/v1alpha1
      kind: StreamingPipeline
      metadata: {name: payments}
      spec:
        sources:
          - name: payments
            kafka: {bootstrapServers: "localhost:9092", topic: payments}
            schema: [{name: paymentId, type: string}, {name: amount, type: double}, {name: paidAt, type: timestamp}]
            watermark: {column: paidAt, delay: 1m}
        transforms:
          - name: unique
            from: payments
            dedupe: {keys: [paymentId]}
          - name: checked
            from: unique
            select: [paymentId, amount, paidAt]
            expectations:
              - {name: positive, condition: "amount > 0", onViolation: drop}
        sinks:
          - {name: out, from: checked, files: {path: /nonexistent/out, format: json}}
          - {name: raw, from: payments, files: {path: /nonexistent/raw, format: json}}
      """;

  static Stream<Path> exampleTests() throws IOException {
    return Files.list(Path.of("..", "..", "examples", "tests")).filter(p -> p.toString().endsWith(".test.yaml")).sorted();
  }

  @ParameterizedTest
  @MethodSource("exampleTests")
  void examplesPassTheirOwnTests(Path test) {
    Path example = test.getParent().getParent().resolve(test.getFileName().toString().replace(".test.yaml", ".yaml"));
    Result r = spo("test", example.toString(), test.toString(), "--master", "local[2]");
    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out()).doesNotContain("FAIL").contains(" passed, 0 failed");
  }

  @Test
  void dedupeWithinTheWatermarkAndADroppedRowPass() throws IOException {
    Path pipeline = Files.writeString(dir.resolve("payments.yaml"), PIPELINE);
    Path test = Files.writeString(dir.resolve("payments.test.yaml"), """
        tests:
          - name: a replayed payment is written once; a refund row is dropped
            steps:
              - rows:
                  payments:
                    - {paymentId: p1, amount: 10, paidAt: "2026-03-01 10:00:00"}
                    - {paymentId: p2, amount: -3, paidAt: "2026-03-01 10:00:10"}
                expect:
                  out: [{paymentId: p1, amount: 10.0}]
              - rows:
                  payments: [{paymentId: p1, amount: 10, paidAt: "2026-03-01 10:00:30"}]
                expect:
                  out: []
              - rows:                   # p1 forgotten once the watermark passes its first time + 1m
                  payments: [{paymentId: p9, amount: 1, paidAt: "2026-03-01 10:05:00"}]
                watermark: "2026-03-01 10:04:00"
              - rows:
                  payments: [{paymentId: p1, amount: 7, paidAt: "2026-03-01 10:04:30"}]
                expect:
                  out: {rows: [{paymentId: p1, amount: 7}], ordered: true}
        """);
    Path xml = dir.resolve("reports/spo.xml");

    Result r = spo("test", pipeline.toString(), test.toString(), "--junit-xml", xml.toString(), "--master", "local[2]");

    assertThat(r.exit()).as(r.out() + r.err()).isZero();
    assertThat(r.out().lines()).containsExactly(test.toString(),
        "  PASS  a replayed payment is written once; a refund row is dropped", "1 test: 1 passed, 0 failed");
    assertThat(Files.readString(xml)).contains("<testsuites tests=\"1\" failures=\"0\"",
        "<testcase classname=\"payments\" name=\"a replayed payment is written once; a refund row is dropped\"");
  }

  @Test
  void aWrongExpectationFailsWithTheDiffAndJUnitXml() throws IOException {
    Path pipeline = Files.writeString(dir.resolve("payments.yaml"), PIPELINE);
    Path test = Files.writeString(dir.resolve("wrong.test.yaml"), """
        tests:
          - name: expects the dropped row
            steps:
              - rows:
                  payments:
                    - {paymentId: p1, amount: 10, paidAt: "2026-03-01 10:00:00"}
                    - {paymentId: p2, amount: -3, paidAt: "2026-03-01 10:00:10"}
                expect:
                  out: [{paymentId: p1}, {paymentId: p2}]
          - name: expects the wrong watermark
            steps:
              - rows: {payments: [{paymentId: p1, amount: 1, paidAt: "2026-03-01 10:00:00"}]}
                watermark: "2026-03-01 10:00:00"
          - name: a contains that is met
            steps:
              - rows: {payments: [{paymentId: p1, amount: 1, paidAt: "2026-03-01 10:00:00"}, {paymentId: p3, amount: 2}]}
                expect: {out: {contains: [{paymentId: p3}]}}
          - name: rows from the future
            steps:
              - rows: {payments: [{paymentId: p1, amount: 1, paidAt: "2999-01-01 00:00:00"}]}
                expect: {out: []}
          - name: a stateless query's watermark, each row on its own columns
            steps:
              - rows: {payments: [{paymentId: p1, amount: 1, paidAt: "2026-03-01 10:00:00"}]}
                watermark: "2026-03-01 09:59:00"
                expect: {raw: [{paymentId: p1, amount: 1}]}
              - rows:
                  payments:
                    - {paymentId: p2, amount: 2, paidAt: "2026-03-01 10:10:00"}
                    - {paymentId: p3, paidAt: "2026-03-01 10:05:00"}
                watermark: "2026-03-01 10:09:00"
                expect: {raw: [{paymentId: p3, amount: null}, {paymentId: p2}]}
              - rows: {payments: [{paymentId: p4, amount: 4, paidAt: "2026-03-01 10:11:00"}]}
                expect: {raw: [{paymentId: p4, amount: null}]}
        """);
    Path xml = dir.resolve("spo.xml");

    Result r = spo("test", pipeline.toString(), test.toString(), "--junit-xml", xml.toString(), "--master", "local[2]");

    assertThat(r.exit()).as(r.err()).isEqualTo(1);
    assertThat(r.out().lines()).containsExactly(test.toString(),
        "  FAIL  expects the dropped row",
        "        step 1, sink out: expected 2 rows, got 1",
        "          missing:    {\"paymentId\":\"p2\"}",
        "  FAIL  expects the wrong watermark",
        "        step 1, sink out: the watermark is 2026-03-01T09:59:00Z, expected 2026-03-01T10:00:00Z",
        "        step 1, sink raw: the watermark is 2026-03-01T09:59:00Z, expected 2026-03-01T10:00:00Z",
        "  PASS  a contains that is met",
        "  FAIL  rows from the future",
        "        step 1, sink out: 1 row was dropped as more than watermark.maxAhead ahead of the real clock; use event "
            + "times in the past",
        "  FAIL  a stateless query's watermark, each row on its own columns",
        "        step 3, sink raw: expected 1 row, got 1",
        "          missing:    {\"paymentId\":\"p4\",\"amount\":null}",
        "          unexpected: {\"paymentId\":\"p4\",\"amount\":4.0}",
        "5 tests: 1 passed, 4 failed");
    assertThat(Files.readString(xml)).contains("<testsuites tests=\"5\" failures=\"4\" errors=\"0\"",
        "<failure message=\"step 1, sink out: expected 2 rows, got 1\">step 1, sink out: expected 2 rows, got 1\n"
            + "  missing:    {\"paymentId\":\"p2\"}</failure>");
  }

  @Test
  void namesAndValuesThatDoNotFitAreReportedByField() throws IOException {
    Path pipeline = Files.writeString(dir.resolve("payments.yaml"), PIPELINE);
    Path badFile = Files.writeString(dir.resolve("bad.test.yaml"), """
        tests:
          - name: typo
            stepz: []
        """);
    Result invalid = spo("test", pipeline.toString(), badFile.toString());
    assertThat(invalid.exit()).isEqualTo(2);
    assertThat(invalid.err().lines()).containsExactly(badFile + ": 2 problems",
        "  tests[0].stepz: unknown field (fields here: name, steps, tables)",
        "  tests[0].steps: a test needs at least one step");

    Path badRows = Files.writeString(dir.resolve("rows.test.yaml"), """
        tests:
          - name: names
            steps:
              - rows: {paymnts: [{paymentId: p1}]}
                expect: {output: []}
          - name: values
            steps:
              - rows: {payments: [{paymentId: p1, amount: lots}]}
          - name: columns
            steps:
              - rows: {payments: [{paymentId: p1, amout: 1}]}
        """);
    Path xml = dir.resolve("spo.xml");
    Result r = spo("test", pipeline.toString(), badRows.toString(), "--master", "local[2]", "--junit-xml", xml.toString());
    assertThat(r.exit()).isEqualTo(1);
    assertThat(Files.readString(xml)).contains("<testsuites tests=\"3\" failures=\"0\" errors=\"3\"",
        "<error message=\"tests[0].steps[0].rows.paymnts: not a source of the pipeline");
    assertThat(r.out()).contains(
        "  FAIL  names\n        tests[0].steps[0].rows.paymnts: not a source of the pipeline (streaming sources: payments)\n"
            + "        tests[0].steps[0].expect.output: not a sink of the pipeline (sinks: out, raw)\n",
        "  FAIL  values\n        tests[1].steps[0].rows.payments[0]: does not fit the columns of source 'payments' "
            + "(struct<paymentId:string,amount:double,paidAt:timestamp>): Cannot parse the value 'lots' of the field "
            + "`amount` as target spark data type DoubleType from the input type StringType.\n",
        "  FAIL  columns\n        tests[2].steps[0].rows.payments[0].amout: not a column of source 'payments' "
            + "(its columns: paymentId, amount, paidAt)\n");
  }
}
