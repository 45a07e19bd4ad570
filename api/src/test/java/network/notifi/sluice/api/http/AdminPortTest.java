package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.Socket;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.config.ConfigException;
import network.notifi.sluice.api.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Metrics, status and the admin API on the admin port only; the API on the public port only; health and version on both. */
class AdminPortTest {

  private RunningApp running;
  private SluiceApp app;
  private HttpTestClient publicPort;
  private HttpTestClient adminPort;

  @BeforeEach
  void start() {
    running = RunningApp.start(Map.of());
    app = running.app();
    publicPort = running.client();
    adminPort = running.admin();
  }

  @AfterEach
  void stop() {
    running.close();
  }

  @Test
  void thePortsAreTwo() {
    assertThat(app.adminPort()).isPositive().isNotEqualTo(app.port());
  }

  @Test
  void metricsAndStatusAnswerOnTheAdminPort() {
    assertThat(adminPort.get("/metrics").statusCode()).isEqualTo(200);
    assertThat(adminPort.get("/metrics").body()).contains("rate_limit_requests_total");
    assertThat(json(adminPort.get("/ratelimits")).has("global")).isTrue();
  }

  @ParameterizedTest
  @ValueSource(strings = {"/metrics", "/ratelimits", "/metrics/", "/ratelimits?x=1", "/metrics?name[]=jvm_threads_live",
      "/status", "/admin/limits"})
  void thePublicPortAnswersAdminPathsAsIfTheyDidNotExist(String path) {
    HttpResponse<String> response = publicPort.get(path);

    assertNotFound(response);
    assertThat(response.body()).doesNotContain("rate_limit").doesNotContain("third_party");
  }

  @Test
  void anAdminPathWithAnotherMethodOnThePublicPortIsNotFoundEither() {
    assertNotFound(publicPort.send(publicPort.post("/metrics").POST(HttpRequest.BodyPublishers.noBody())));
    assertNotFound(publicPort.send(publicPort.post("/ratelimits").DELETE()));
    assertNotFound(publicPort.send(publicPort.post("/admin/limits")
        .PUT(HttpRequest.BodyPublishers.ofString("{\"rate_limiting\": {\"global_rps\": 1}}"))));
  }

  @Test
  void theOperatorsRoutesAnswerOnTheAdminPort() {
    assertThat(adminPort.get("/status").statusCode()).isEqualTo(200);
    assertThat(json(adminPort.get("/admin/limits")).has("rate_limiting")).isTrue();
  }

  @Test
  void versionAnswersOnBothPortsAndEachPortDescribesWhatItServes() {
    for (var client : new HttpTestClient[] {publicPort, adminPort}) {
      assertThat(json(client.get("/version")).has("commit")).isTrue();
    }
    var publicPaths = json(publicPort.get("/openapi.json")).get("paths");
    var adminPaths = json(adminPort.get("/openapi.json")).get("paths");

    assertThat(publicPaths.has("/events")).isTrue();
    assertThat(publicPaths.has("/version")).isTrue();
    assertThat(publicPaths.has("/metrics")).isFalse();
    assertThat(publicPaths.has("/admin/limits")).isFalse();
    assertThat(adminPaths.has("/admin/limits")).isTrue();
    assertThat(adminPaths.has("/status")).isTrue();
  }

  @Test
  void aHostHeaderNamingTheAdminPortDoesNotOpenIt() throws Exception {
    // The JDK client refuses to set Host; a raw socket writes what an attacker would.
    try (var socket = new Socket("127.0.0.1", app.port())) {
      socket.getOutputStream().write(("GET /metrics HTTP/1.1\r\nHost: 127.0.0.1:" + app.adminPort()
          + "\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      String answer = new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);

      assertThat(answer).startsWith("HTTP/1.1 404").contains("\"reason\":\"not_found\"").doesNotContain("# HELP");
    }
  }

  @Test
  void theAdminPortServesNoApi() {
    assertNotFound(adminPort.send(adminPort.buildStart("parser-1")));
    assertNotFound(adminPort.get("/builds/some-build"));
    assertNotFound(adminPort.get("/events"));
    // Nothing was decided on the admin port: no token taken.
    assertThat(adminPort.get("/metrics").body()).contains("rate_limit_requests_total{limit_type=\"endpoint\"} 0.0");
  }

  @Test
  void healthAnswersOnBothPorts() {
    for (var client : new HttpTestClient[] {publicPort, adminPort}) {
      assertThat(client.get("/health/live").statusCode()).isEqualTo(200);
      assertThat(client.get("/health/ready").statusCode()).isEqualTo(200);
    }
  }

  @Test
  void readinessTellsWhatIsDegradedOnlyOnTheAdminPort() {
    assertThat(json(publicPort.get("/health/ready")).has("dependencies")).isFalse();
    assertThat(json(publicPort.get("/health/ready")).get("status").asText()).isEqualTo("UP");
    assertThat(json(adminPort.get("/health/ready")).has("dependencies")).isTrue();
  }

  @Test
  void theAdminPortDefaultsTo9090AndIsSetByItsVariable() {
    assertThat(ConfigLoader.load(Optional.empty(), Map.of()).server().adminPort()).isEqualTo(9090);
    assertThat(ConfigLoader.load(Optional.empty(), Map.of("SLUICE_SERVER_ADMIN_PORT", "9191")).server().adminPort())
        .isEqualTo(9191);
  }

  @Test
  void theAdminPortMustDifferFromThePublicPort() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_PORT", "9090")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("server.admin_port (9090) must differ from server.port (9090) (from SLUICE_SERVER_PORT)");
  }

  private static void assertNotFound(HttpResponse<String> response) {
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(json(response).get("reason").asText()).isEqualTo("not_found");
  }
}
