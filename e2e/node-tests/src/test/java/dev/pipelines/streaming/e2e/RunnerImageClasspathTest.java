package dev.pipelines.streaming.e2e;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The runner image's classpath (/opt/spark/jars) as e2e/node/images.sh (or, on kind, the
 * Dockerfile) built it: Apache Spark's
 * release jars, untouched (the apache/spark image's set: both come from the same release), plus
 * exactly the runner libraries Spark does not ship, one version of each. (Spark's release itself
 * ships jline 2 and 3 and two hive-shims jars; the first version of merge-jars.sh refused that,
 * so the Dockerfile could not have built on apache/spark: found here.) The Dockerfile runs
 * the same job-images/runner/merge-jars.sh over the same release jars, so a Docker-built image
 * gets this set too, and on kind this test also compares apache/spark's jars with PyPI's copy of
 * the release; a Maven resolution of Spark's modules would not (it picks, for example,
 * guava 32 where Spark's release ships 33.6).
 */
class RunnerImageClasspathTest {
  @Test
  void sparksReleaseJarsPlusOnlyWhatTheRunnerAdds() throws IOException {
    RealNode.adminClient().close(); // builds the node and the images (or skips where it cannot)
    Path images = RealNode.STATE.resolve("images");
    Set<String> image = lines(images.resolve("runner-classpath.txt"));
    Set<String> release = lines(images.resolve("spark-release-jars.txt")).stream()
        .filter(n -> n.endsWith(".jar")).collect(Collectors.toCollection(TreeSet::new));
    Set<String> runnerLibs;
    try (Stream<Path> libs = Files.list(RealNode.ROOT.resolve("job-images/runner/target/lib"))) {
      runnerLibs = libs.map(p -> p.getFileName().toString()).collect(Collectors.toCollection(TreeSet::new));
    }

    Path pypi = images.resolve("pypi-release-jars.txt");
    if (Files.exists(pypi)) { // kind (e2e/kind/run.sh): the Docker image's release and PyPI's copy of it
      assertThat(release).as("apache/spark's /opt/spark/jars is the release e2e/node builds on without Docker")
          .isEqualTo(lines(pypi).stream().filter(n -> n.endsWith(".jar")).collect(Collectors.toCollection(TreeSet::new)));
    }
    assertThat(image).as("Spark's release jars, none replaced").containsAll(release);
    Set<String> shippedBySpark = release.stream().map(RunnerImageClasspathTest::artifact).collect(Collectors.toSet());
    Set<String> added = image.stream().filter(j -> !release.contains(j)).collect(Collectors.toCollection(TreeSet::new));
    Map<String, Long> versions = image.stream().collect(Collectors.groupingBy(RunnerImageClasspathTest::artifact, Collectors.counting()));
    assertThat(added).as("one version of each artifact the runner adds")
        .allSatisfy(jar -> assertThat(versions.get(artifact(jar))).as(jar).isEqualTo(1));
    Set<String> expected = runnerLibs.stream().filter(j -> !shippedBySpark.contains(artifact(j)))
        .collect(Collectors.toCollection(TreeSet::new));
    assertThat(added).as("what the runner adds: its libraries Spark does not ship").isEqualTo(expected);
    assertThat(added).as("the Kafka connector and the PostgreSQL driver, for instance")
        .anyMatch(j -> j.startsWith("spark-sql-kafka-0-10_2.13-")).anyMatch(j -> j.startsWith("postgresql-"));
  }

  /** The artifact of a jar file name, as merge-jars.sh computes it. */
  static String artifact(String jar) {
    return jar.replaceFirst("-[0-9][^-]*(-[A-Za-z0-9.]+)?\\.jar$", "");
  }

  private static Set<String> lines(Path file) throws IOException {
    return Files.readAllLines(file).stream().map(String::strip).filter(l -> !l.isEmpty())
        .collect(Collectors.toCollection(TreeSet::new));
  }

}
