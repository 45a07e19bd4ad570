package network.notifi.sluice.api.limits;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.http.HttpTestClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A running Sluice follows its configuration file's rate limits. */
class ConfigFileReloadTest {

  private static final Map<String, String> ENV = Map.of(
      "SLUICE_PORT", "0", "SLUICE_SERVER_ADMIN_PORT", "0", "SLUICE_SERVER_HOST", "127.0.0.1",
      "SLUICE_JOBS_LOCAL_COMMAND", "sleep 600");

  @TempDir Path dir;
  private Path file;
  private SluiceApp app;
  private ConfigFileReload reload;
  private HttpTestClient admin;

  @BeforeEach
  void start() throws Exception {
    file = dir.resolve("sluice.yaml");
    Files.writeString(file, "rate_limiting:\n  global_rps: 100\n");
    var config = ConfigLoader.load(Optional.of(file), ENV);
    app = SluiceApp.builder(config).build().start();
    reload = ConfigFileReload.start(file, ENV, app.limits(), config, Duration.ofMillis(100));
    admin = new HttpTestClient(app.adminPort());
    await().atMost(Duration.ofSeconds(10)).until(() -> app.limits().current().version() == 1);
  }

  @AfterEach
  void stop() {
    reload.close();
    app.close();
  }

  @Test
  void aChangedFileIsSeenAndItsLimitsApplied() throws Exception {
    Files.writeString(file, "rate_limiting:\n  global_rps: 7\n");

    await().atMost(Duration.ofSeconds(10)).until(() -> app.limits().current().version() == 2);
    var limits = json(admin.get("/admin/limits"));
    assertThat(limits.get("source").asText()).isEqualTo("file");
    assertThat(limits.at("/rate_limiting/global_rps").asLong()).isEqualTo(7);
    assertThat(app.limits().current().limits().global().ratePerSecond()).isEqualTo(7);
  }

  @Test
  void anInvalidFileChangesNothing() throws Exception {
    Files.writeString(file, "rate_limiting:\n  global_rps: -1\n");

    assertThatThrownBy(() -> reload.reloadNow().join())
        .hasMessageContaining("rate_limiting.global_rps = -1");
    assertThat(app.limits().current().version()).isEqualTo(1);
    assertThat(app.limits().current().limits().global().ratePerSecond()).isEqualTo(100);
  }

  @Test
  void reloadingAnUnchangedFileKeepsTheVersion() {
    var inForce = reload.reloadNow().join();

    assertThat(inForce.version()).isEqualTo(1);
  }
}
