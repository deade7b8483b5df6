package dev.pipelines.streaming.runner.cli;

import dev.pipelines.streaming.api.model.StreamingPipeline;
import dev.pipelines.streaming.runner.ExitCodes;
import dev.pipelines.streaming.runner.fixture.FixtureException;
import dev.pipelines.streaming.runner.fixture.FixtureFile;
import dev.pipelines.streaming.runner.fixture.FixtureTests;
import dev.pipelines.streaming.runner.fixture.JUnitReport;
import dev.pipelines.streaming.runner.fixture.TestResult;
import dev.pipelines.streaming.runner.spark.SparkSessionFactory;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/**
 * {@code spo test}: runs fixture tests (steps of input rows per source, expected rows per sink,
 * the watermark) against a pipeline on local Spark, its sources replaced by in-memory streams
 * with the same columns and its sinks by collectors. See {@link FixtureFile} for the format.
 */
@Command(name = "test", mixinStandardHelpOptions = true,
    description = {
        "Runs the fixture tests in TESTS against PIPELINE on local Spark: each step adds rows to the sources",
        "(in-memory streams with the declared columns), lets every query process them, and compares what each",
        "named sink received in that step (any order unless ordered: true) and, if given, the watermark.",
        "Nothing external is read or written. Format: docs/spec.md, \"Testing a pipeline\"."},
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:every test passed", "1:a test failed (its diff is printed)",
        "2:the pipeline or a test file is invalid, or the command line is wrong"},
    footerHeading = "%nExamples:%n",
    footer = {"  spo test examples/clickstream-chained-windows.yaml examples/tests/clickstream-chained-windows.test.yaml",
        "  spo test pipeline.yaml tests/*.yaml --junit-xml build/spo-tests.xml"})
public final class TestCommand implements Callable<Integer> {
  @Spec CommandSpec spec;
  @Mixin SparkOptions spark;

  @Parameters(index = "0", paramLabel = "PIPELINE", description = "The pipeline file.")
  Path pipelineFile;

  @Parameters(index = "1..*", arity = "1..*", paramLabel = "TESTS", description = "Test files (YAML).")
  List<Path> testFiles = new ArrayList<>();

  @Option(names = "--junit-xml", paramLabel = "FILE", description = "Also write the results as JUnit XML, for CI.")
  Path junitXml;

  @Override
  public Integer call() throws IOException {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    StreamingPipeline pipeline = PipelineFiles.loadOrReport(pipelineFile, err);
    if (pipeline == null) {
      return ExitCodes.INVALID;
    }
    List<FixtureFile> files = new ArrayList<>();
    boolean invalid = false;
    for (Path f : testFiles) {
      try {
        files.add(FixtureFile.read(f));
      } catch (FixtureException e) {
        PipelineFiles.report(f, e.problems(), err);
        invalid = true;
      }
    }
    if (invalid) {
      return ExitCodes.INVALID;
    }
    List<TestResult> results = new ArrayList<>();
    SparkSession session = SparkSessionFactory.create(pipeline, spark.effectiveMaster(), spark.conf);
    try {
      for (FixtureFile file : files) {
        out.println(file.path());
        for (TestResult r : FixtureTests.run(session, pipeline, file)) {
          results.add(r);
          out.println((r.passed() ? "  PASS  " : "  FAIL  ") + r.name());
          r.failures().forEach(line -> out.println("        " + line));
          out.flush();
        }
      }
    } finally {
      session.stop();
    }
    long failed = results.stream().filter(r -> !r.passed()).count();
    out.printf("%d %s: %d passed, %d failed%n", results.size(), results.size() == 1 ? "test" : "tests",
        results.size() - failed, failed);
    out.flush();
    if (junitXml != null) {
      JUnitReport.write(junitXml, results);
    }
    return failed == 0 ? ExitCodes.OK : ExitCodes.QUERY_FAILED;
  }
}
