package network.notifi.sluice.api.admin;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.api.limits.LiveLimits;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * {@code GET/PUT /admin/limits} on one replica (in-process buckets), on a clock that stands still so
 * that every token count is exact.
 */
class AdminLimitsTest {

  private static final String TOKEN = "s3cret-admin-token";

  private final ManualClock clock = new ManualClock();
  private final ListAppender<ILoggingEvent> log = new ListAppender<>();
  private SluiceApp app;
  private HttpTestClient client;
  private HttpTestClient admin;

  @BeforeEach
  void start() {
    ((Logger) LoggerFactory.getLogger(LiveLimits.class)).addAppender(log);
    log.start();
    app = SluiceApp.builder(TestConfigs.config())
        .clock(clock)
        .adminToken(AdminToken.fromEnvironment(Map.of(AdminToken.VARIABLE, TOKEN)))
        .build()
        .start();
    client = new HttpTestClient(app.port());
    admin = new HttpTestClient(app.adminPort());
    await().atMost(Duration.ofSeconds(10)).until(() -> json(admin.get("/admin/limits")).get("version").asLong() == 1);
  }

  @AfterEach
  void stop() {
    app.close();
    ((Logger) LoggerFactory.getLogger(LiveLimits.class)).detachAppender(log);
  }

  @Test
  void theFilesLimitsAreVersionOne() {
    var body = json(admin.get("/admin/limits"));

    assertThat(body.get("version").asLong()).isEqualTo(1);
    assertThat(body.get("source").asText()).isEqualTo("file");
    assertThat(body.at("/rate_limiting/build_start_burst").asLong()).isEqualTo(100);
    assertThat(body.at("/rate_limiting/global_rps").asLong()).isEqualTo(100);
    assertThat(body.at("/rate_limiting/anonymous").asText()).isEqualTo("skip");
  }

  @Test
  void aChangeAppliesAtOnceAndExistingBucketsKeepTheirTokensUpToTheNewCapacity() {
    for (int i = 0; i < 5; i++) {
      assertThat(client.send(client.buildStart("before-" + i)).statusCode()).isEqualTo(202);
    }

    var wider = put("{\"rate_limiting\": {\"build_start_burst\": 300}}", TOKEN);
    var keptTokens = client.send(client.buildStart("wider"));
    var narrower = put("{\"rate_limiting\": {\"build_start_burst\": 3}}", TOKEN);
    int admittedAfter = 0;
    while (client.send(client.buildStart("narrow-" + admittedAfter)).statusCode() == 202) {
      admittedAfter++;
      assertThat(admittedAfter).as("the narrower bucket refuses").isLessThan(10);
    }

    assertThat(wider.statusCode()).isEqualTo(200);
    assertThat(json(wider).get("version").asLong()).isEqualTo(2);
    assertThat(json(wider).get("source").asText()).isEqualTo("admin");
    // 100 - 5 = 95 kept under the wider limit (not a full 300), one taken now.
    assertThat(keptTokens.headers().firstValue("RateLimit").orElseThrow()).contains("\"endpoint\";r=94");
    assertThat(keptTokens.headers().firstValue("RateLimit-Policy").orElseThrow()).contains("\"endpoint\";q=300");
    assertThat(json(narrower).at("/rate_limiting/build_start_burst").asLong()).isEqualTo(3);
    // 94 capped to the new capacity of 3.
    assertThat(admittedAfter).isEqualTo(3);
  }

  @Test
  void eachChangeIsOneLogLineSayingWhatChangedAndTheVersionIsAMetric() {
    put("{\"rate_limiting\": {\"global_rps\": 150, \"third_party_shadow\": true}}", TOKEN);

    assertThat(log.list).filteredOn(e -> e.getFormattedMessage().startsWith("rate limits version 2"))
        .singleElement()
        .satisfies(e -> assertThat(e.getFormattedMessage())
            .isEqualTo("rate limits version 2 from admin: global_rps 100 -> 150, third_party_shadow false -> true"));
    assertThat(admin.get("/metrics").body()).contains("sluice_config_version 2.0");
  }

  @Test
  void writesNeedTheBearerToken() {
    var none = admin.send(admin.post("/admin/limits").PUT(HttpRequest.BodyPublishers.ofString("{}")));
    var wrong = put("{\"rate_limiting\": {\"global_rps\": 1}}", "not-the-token");

    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(none.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"sluice-admin\"");
    assertThat(json(none).get("reason").asText()).isEqualTo("unauthorized");
    assertThat(wrong.statusCode()).isEqualTo(403);
    assertThat(json(wrong).get("reason").asText()).isEqualTo("forbidden");
    assertThat(json(admin.get("/admin/limits")).at("/rate_limiting/global_rps").asLong()).isEqualTo(100);
  }

  @Test
  void withoutAConfiguredTokenWritesAreOff() {
    try (var noToken = SluiceApp.builder(TestConfigs.config()).build().start()) {
      var other = new HttpTestClient(noToken.adminPort());

      var response = other.send(other.post("/admin/limits")
          .header("Authorization", "Bearer anything")
          .PUT(HttpRequest.BodyPublishers.ofString("{\"rate_limiting\": {\"global_rps\": 1}}")));

      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(json(response).get("reason").asText()).isEqualTo("admin_writes_disabled");
      assertThat(json(response).get("detail").asText()).contains("SLUICE_ADMIN_TOKEN");
    }
  }

  @Test
  void invalidLimitsAreRefusedWithTheConfigurationFilesMessageAndChangeNothing() {
    var zero = put("{\"rate_limiting\": {\"global_burst\": 0}}", TOKEN);
    var notRuntime = put("{\"rate_limiting\": {\"max_concurrent_jobs\": 5}}", TOKEN);
    var notJson = put("{rate_limiting", TOKEN);

    assertThat(zero.statusCode()).isEqualTo(400);
    assertThat(json(zero).get("reason").asText()).isEqualTo("invalid_limits");
    assertThat(json(zero).get("detail").asText())
        .isEqualTo("rate_limiting.global_burst = 0: burst must be >= 1, was 0");
    assertThat(json(notRuntime).get("detail").asText())
        .startsWith("rate_limiting.max_concurrent_jobs cannot be changed at runtime");
    assertThat(notJson.statusCode()).isEqualTo(400);
    assertThat(json(notJson).get("detail").asText()).startsWith("the body is not JSON");
    assertThat(json(admin.get("/admin/limits")).get("version").asLong()).isEqualTo(1);
  }

  private HttpResponse<String> put(String body, String token) {
    return admin.send(admin.post("/admin/limits")
        .header("Authorization", "Bearer " + token)
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body)));
  }
}
