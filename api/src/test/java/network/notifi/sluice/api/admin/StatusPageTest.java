package network.notifi.sluice.api.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.api.observability.DebianTools;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /status} rendered by a real headless Chromium (Debian's {@code chromium}): the DOM it
 * builds from the JSON routes shows the buckets, the namespaces' slots and queues, the dependencies
 * and the most refused third party as this replica sees them.
 */
class StatusPageTest {

  private final ManualClock clock = new ManualClock();
  private SluiceApp app;
  private HttpTestClient client;

  @BeforeEach
  void start() {
    var config = TestConfigs.config(Map.of(
        "SLUICE_RATE_LIMITING_THIRD_PARTY_BURST", "2",
        "SLUICE_RATE_LIMITING_MAX_CONCURRENT_JOBS", "2"));
    app = SluiceApp.builder(config).clock(clock).build().start();
    client = new HttpTestClient(app.port());
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @Test
  void thePageShowsBucketsNamespacesAndTheMostRefusedThirdParty(@TempDir Path profile) throws Exception {
    Path chromium = DebianTools.require("chromium", "chromium");
    // Three builds in a namespace of two slots: two run, one waits. Four starts from one third party
    // with a burst of 2: two refused.
    for (int i = 0; i < 4; i++) {
      client.send(client.buildStart("parser-" + i).header("X-Third-Party-ID", "customer-9"));
    }
    client.send(client.buildStart("parser-x"));

    String dom = dumpDom(chromium, profile, "http://127.0.0.1:" + app.adminPort() + "/status");

    assertThat(dom).contains("<span id=\"error\" class=\"bad\"></span>").doesNotContain("id=\"updated\">never");
    // global: 200, three admitted requests took three tokens.
    assertThat(dom).contains("<td data-level=\"global\">global</td><td>global</td><td class=\"n\">197</td><td class=\"n\">200</td>");
    assertThat(dom).contains("<td data-level=\"endpoint\">endpoint</td><td>build.start</td><td class=\"n\">97</td><td class=\"n\">100</td>");
    // default: 2 running of 2 slots, 1 queued, waiting for some seconds (the oldest wait's gauge).
    assertThat(dom).containsPattern(
        "<td>default</td><td class=\"n\">2</td><td class=\"n\">2</td><td class=\"n\">1</td><td class=\"n\">\\d+\\.\\d</td>");
    assertThat(dom).contains("<td>customer-9</td><td class=\"n\">2</td><td class=\"n\">0</td><td class=\"n\">2</td>");
    assertThat(dom).contains("limits version <span id=\"limits-version\">1 from file</span>");
  }

  private static String dumpDom(Path chromium, Path profile, String url) throws Exception {
    var process = new ProcessBuilder(List.of(chromium.toString(), "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-dev-shm-usage", "--user-data-dir=" + profile, "--virtual-time-budget=5000", "--dump-dom", url))
        .redirectError(profile.resolve("chromium.log").toFile())
        .start();
    byte[] out = process.getInputStream().readAllBytes();
    assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("chromium ends").isTrue();
    assertThat(process.exitValue())
        .as("chromium: " + Files.readString(profile.resolve("chromium.log")))
        .isZero();
    return new String(out, StandardCharsets.UTF_8);
  }
}
