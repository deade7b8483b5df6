package dev.pipelines.streaming.operator.dashboard;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import dev.pipelines.streaming.api.status.Condition;
import dev.pipelines.streaming.api.status.DriverStatus;
import dev.pipelines.streaming.api.status.PipelineStatus;
import dev.pipelines.streaming.api.status.ProgressStatus;
import dev.pipelines.streaming.api.status.RestartStatus;
import dev.pipelines.streaming.operator.crd.StreamingPipelineResource;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard as a user sees it: real headless Chromium loads the pages and takes
 * screenshots, and the test checks the data is on screen (text in the DOM, the phase colours,
 * the chart lines' pixels). Skipped without Chromium, unless CI (REQUIRE_CHROMIUM=1).
 */
class DashboardBrowserTest {
  static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  static final Instant NOW = Instant.parse("2026-11-25T10:00:00Z");
  static HttpServer server;
  static String base;
  @TempDir Path dir;

  @BeforeAll
  static void serve() throws IOException {
    Assumptions.assumeTrue(Files.isExecutable(CHROMIUM) || "1".equals(System.getenv("REQUIRE_CHROMIUM")),
        "chromium not installed (apt-get install chromium)");
    ProgressHistory history = new ProgressHistory();
    for (int minute = 59; minute >= 0; minute--) {
      double load = minute > 30 ? 800 : 4000; // a step up half an hour ago
      history.record("analytics", "clicks-per-page",
          new ProgressStatus(load, load * (minute > 25 ? 1.1 : 0.8), minute > 25 ? 0L : 12_000L * (25 - minute) / 25, 3, null),
          NOW.minusSeconds(60L * minute));
    }
    Fleet fleet = Fleet.of(List.of(
        pipeline("analytics", "clicks-per-page", new PipelineStatus("Running", 1L, "driver clicks-per-page-driver-1 is running",
            List.of(new Condition(Condition.READY, "True", "Running", "driver clicks-per-page-driver-1 is running", NOW.toString(), 1L)),
            new DriverStatus("clicks-per-page-driver-1", 1, NOW.toString(), 1L, NOW.toString()), new RestartStatus(2, "OOMKilled", null, null),
            null, new ProgressStatus(4000.0, 3200.0, 12000L, 3, NOW.toString()), null)),
        pipeline("payments", "fraud-scores", new PipelineStatus("Failed", 1L, "restarts exhausted",
            List.of(new Condition(Condition.READY, "False", "RestartsExhausted", "exit code 1: <b>broker down</b>", NOW.toString(), 1L)),
            null, null, null, null, null))));
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    new DashboardPages(fleet, history, Clock.fixed(NOW.plusSeconds(5), ZoneOffset.UTC), DashboardAccess.loopbackOnly()).serveOn(server);
    server.start();
    base = "http://127.0.0.1:" + server.getAddress().getPort();
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.stop(0);
    }
  }

  @Test
  void listShowsEveryPipelineWithPhaseRatesAndRestarts() throws Exception {
    String dom = chromium("--dump-dom", base + "/");
    assertThat(dom).contains("2 pipelines", ">clicks-per-page</a>", ">fraud-scores</a>", "Running", "Failed", "4000", "12,000");
    BufferedImage shot = screenshot(base + "/");
    assertThat(pixels(shot, 0xdcfce7)).as("green Running badge").isGreaterThan(100);
    assertThat(pixels(shot, 0xfee2e2)).as("red Failed badge").isGreaterThan(100);
    assertThat(darkPixels(shot)).as("text").isGreaterThan(2000);
  }

  @Test
  void pipelinePageChartsTheLastHour() throws Exception {
    String dom = chromium("--dump-dom", base + "/pipelines/analytics/clicks-per-page");
    assertThat(dom).contains("analytics / clicks-per-page", "Rows per second, last hour", "Conditions", "2</div><div class=\"label\">Restarts");
    BufferedImage shot = screenshot(base + "/pipelines/analytics/clicks-per-page");
    assertThat(pixels(shot, 0x2563eb)).as("input rate line").isGreaterThan(200);
    assertThat(pixels(shot, 0x16a34a)).as("processed rate line").isGreaterThan(200);
    assertThat(pixels(shot, 0xdc2626)).as("lag line").isGreaterThan(100);
  }

  @Test
  void userTextIsEscapedAndUnknownPipelinesAre404() throws Exception {
    assertThat(chromium("--dump-dom", base + "/pipelines/payments/fraud-scores"))
        .contains("exit code 1: &lt;b&gt;broker down&lt;/b&gt;").doesNotContain("<b>broker down</b>");
    assertThat(chromium("--dump-dom", base + "/pipelines/nope/missing")).contains("No such page");
  }

  private static StreamingPipelineResource pipeline(String ns, String name, PipelineStatus status) {
    StreamingPipelineResource p = new StreamingPipelineResource();
    p.getMetadata().setNamespace(ns);
    p.getMetadata().setName(name);
    p.getMetadata().setCreationTimestamp(NOW.minusSeconds(7200).toString());
    p.setStatus(status);
    return p;
  }

  private BufferedImage screenshot(String url) throws Exception {
    Path png = dir.resolve("shot-" + System.nanoTime() + ".png");
    chromium("--screenshot=" + png, "--window-size=1280,900", url);
    String keep = System.getProperty("dashboard.screenshots"); // -Ddashboard.screenshots=DIR to look at them
    if (keep != null) {
      Files.createDirectories(Path.of(keep));
      Files.copy(png, Path.of(keep, url.substring(base.length()).replace('/', '_') + ".png"),
          StandardCopyOption.REPLACE_EXISTING);
    }
    BufferedImage image = ImageIO.read(png.toFile());
    assertThat(image).as("screenshot of " + url).isNotNull();
    return image;
  }

  private String chromium(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
        "--disable-background-networking", "--disable-dev-shm-usage", "--hide-scrollbars",
        "--user-data-dir=" + Files.createTempDirectory(dir, "profile")));
    command.addAll(List.of(args));
    Path out = dir.resolve("chromium-" + System.nanoTime() + ".out");
    Process p = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD).start();
    assertThat(p.waitFor(90, TimeUnit.SECONDS)).as("chromium finished").isTrue();
    return Files.readString(out);
  }

  /** Pixels within a small distance of the colour (anti-aliasing blurs edges). */
  private static int pixels(BufferedImage image, int rgb) {
    int count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int c = image.getRGB(x, y);
        int dr = ((c >> 16) & 0xff) - ((rgb >> 16) & 0xff);
        int dg = ((c >> 8) & 0xff) - ((rgb >> 8) & 0xff);
        int db = (c & 0xff) - (rgb & 0xff);
        if (Math.abs(dr) + Math.abs(dg) + Math.abs(db) < 24) {
          count++;
        }
      }
    }
    return count;
  }

  private static int darkPixels(BufferedImage image) {
    int count = 0;
    for (int y = 0; y < image.getHeight(); y++) {
      for (int x = 0; x < image.getWidth(); x++) {
        int c = image.getRGB(x, y);
        if (((c >> 16) & 0xff) + ((c >> 8) & 0xff) + (c & 0xff) < 200) {
          count++;
        }
      }
    }
    return count;
  }
}
