package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.BUILD_START;
import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.IntStream;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The seed's scenarios 1 and 2 over HTTP with the default limits, on a clock that stands still, so
 * that every count is exact token-bucket math.
 */
class EventsEndpointTest {

  private final ManualClock clock = new ManualClock();
  private SluiceApp app;
  private HttpTestClient client;
  private HttpTestClient admin;

  @BeforeEach
  void start() {
    var config = TestConfigs.config();
    app = SluiceApp.builder(config).clock(clock).build().start();
    client = new HttpTestClient(app.port());
    admin = new HttpTestClient(app.adminPort());
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @Test
  void seedScenario1_burstOfAnonymousBuildStartsIsHeldToTheEndpointBurst() {
    List<HttpRequest.Builder> requests = new ArrayList<>();
    IntStream.rangeClosed(1, 200).forEach(i -> requests.add(client.buildStart(unique())));

    var responses = client.sendConcurrently(requests);

    var admitted = responses.stream().filter(r -> r.statusCode() == 202).toList();
    var refused = responses.stream().filter(r -> r.statusCode() == 429).toList();
    assertThat(admitted).hasSize(100);
    assertThat(refused).hasSize(100);
    for (var response : refused) {
      assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
      assertThat(response.headers().firstValue("X-RateLimit-Limit")).hasValue("100");
      assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue("0");
      assertThat(response.headers().firstValue("Retry-After")).hasValue("1");
      // The shared levels are asked together, so the global level, whose token was given back, is listed too.
      assertThat(response.headers().firstValue("RateLimit-Policy"))
          .hasValue("\"endpoint\";q=100;w=2, \"global\";q=200;w=2");
      assertThat(response.headers().firstValue("RateLimit")).hasValueSatisfying(
          v -> assertThat(v).startsWith("\"endpoint\";r=0;t=1, \"global\";r="));
      var body = json(response);
      assertThat(body.get("reason").asText()).isEqualTo("endpoint");
      assertThat(body.get("status").asInt()).isEqualTo(429);
      assertThat(body.get("violated-policies").get(0).asText()).isEqualTo("endpoint");
    }
    // Admitted builds go on to build admission: 10 slots in the default namespace, the rest queued.
    var bodies = admitted.stream().map(HttpTestClient::json).toList();
    assertThat(bodies).filteredOn(b -> b.get("status").asText().equals("running")).hasSize(10);
    assertThat(bodies).filteredOn(b -> b.get("status").asText().equals("queued")).hasSize(90);
    assertThat(bodies.stream().map(b -> b.get("build_id").asText()).distinct()).hasSize(100);
  }

  @Test
  void seedScenario2_oneSourcesBurstIsHeldToTheThirdPartyBurstAndOthersAreUnaffected() {
    List<HttpRequest.Builder> flood = new ArrayList<>();
    IntStream.rangeClosed(1, 30).forEach(i -> flood.add(fromSource("network.notifi.customer-123", unique())));
    List<HttpRequest.Builder> other = new ArrayList<>();
    IntStream.rangeClosed(1, 10).forEach(i -> other.add(fromSource("network.notifi.customer-456", unique())));

    var floodResponses = client.sendConcurrently(flood);
    var otherResponses = client.sendConcurrently(other);

    assertThat(floodResponses).filteredOn(r -> r.statusCode() == 202).hasSize(20);
    assertThat(floodResponses).filteredOn(r -> r.statusCode() == 429)
        .hasSize(10)
        .allSatisfy(r -> assertThat(json(r).get("reason").asText()).isEqualTo("third_party"));
    assertThat(otherResponses).allSatisfy(r -> assertThat(r.statusCode()).isEqualTo(202));
  }

  @Test
  void thirdPartyHeaderWinsOverTheSource() {
    for (int i = 0; i < 20; i++) {
      client.send(fromSource("network.notifi.customer-1", unique()).header("X-Third-Party-ID", "shared-id"));
    }

    var sameHeader = client.send(fromSource("network.notifi.customer-2", unique()).header("X-Third-Party-ID", "shared-id"));
    var sourceOnly = client.send(fromSource("network.notifi.customer-1", unique()));

    assertThat(sameHeader.statusCode()).isEqualTo(429);
    assertThat(sourceOnly.statusCode()).isEqualTo(202);
  }

  @Test
  void admittedResponseCarriesEveryLevelsStateInHeaders() {
    client.send(fromSource("tp", unique()));

    var response = client.send(fromSource("tp", unique()));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(response.headers().firstValue("X-RateLimit-Limit")).hasValue("20");
    assertThat(response.headers().firstValue("X-RateLimit-Remaining")).hasValue("18");
    long nowSeconds = clock.epochNanos() / 1_000_000_000L;
    // Two tokens short of 20 at 10/s: full again in 200 ms.
    assertThat(response.headers().firstValue("X-RateLimit-Reset")).hasValue(Long.toString(nowSeconds + 1));
    assertThat(response.headers().firstValue("RateLimit-Policy"))
        .hasValue("\"third_party\";q=20;w=2, \"endpoint\";q=100;w=2, \"global\";q=200;w=2");
    assertThat(response.headers().firstValue("RateLimit"))
        .hasValue("\"third_party\";r=18;t=1, \"endpoint\";r=98;t=1, \"global\";r=198;t=1");
    assertThat(response.headers().firstValue("Retry-After")).isEmpty();
  }

  @Test
  void refusedCallerMayRetryAfterTheAdvertisedTime() {
    for (int i = 0; i < 20; i++) {
      client.send(fromSource("tp", unique()));
    }
    var refused = client.send(fromSource("tp", unique()));
    assertThat(refused.statusCode()).isEqualTo(429);

    clock.advanceMillis(1_000L * Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow()));

    assertThat(client.send(fromSource("tp", unique())).statusCode()).isEqualTo(202);
  }

  @Test
  void structuredModeEventIsAccepted() {
    var response = client.send(client.post("/events")
        .header("Content-Type", "application/cloudevents+json")
        .POST(HttpRequest.BodyPublishers.ofString("""
            {"specversion":"1.0","id":"e-1","source":"network.notifi.customer-9","type":"%s",
             "datacontenttype":"application/json","data":{"parser_id":"parser-9"}}
            """.formatted(BUILD_START))));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(json(response).get("parser_id").asText()).isEqualTo("parser-9");
    assertThat(response.headers().firstValue("RateLimit-Policy").orElseThrow()).startsWith("\"third_party\"");
  }

  @Test
  void binaryModeHeadersAreReadInAnyCase() {
    var response = client.send(client.post("/events")
        .header("CE-SPECVERSION", "1.0")
        .header("ce-id", "x-1")
        .header("Ce-Source", "network.notifi.customer-7")
        .header("cE-tYpE", BUILD_START)
        .header("Content-Type", "application/json; charset=utf-8")
        .POST(HttpRequest.BodyPublishers.ofString("{\"parser_id\":\"parser-7\"}")));

    assertThat(response.statusCode()).isEqualTo(202);
    assertThat(response.headers().firstValue("RateLimit-Policy").orElseThrow()).startsWith("\"third_party\"");
  }

  @Test
  void healthAndMetricsAnswer() {
    client.send(client.buildStart("parser-1"));
    client.send(client.buildStart("NOT-A-LABEL"));

    assertThat(client.get("/health/live").statusCode()).isEqualTo(200);
    assertThat(client.get("/health/ready").statusCode()).isEqualTo(200);
    // The request metric is recorded once the answer has been sent, so it may trail the answer.
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(admin.get("/metrics").body()).contains("route=\"/events\",status=\"400\"}"));
    HttpResponse<String> metrics = admin.get("/metrics");
    assertThat(metrics.statusCode()).isEqualTo(200);
    assertThat(metrics.body())
        .contains("rate_limit_requests_total{limit_type=\"endpoint\"} 1.0")
        .contains("rate_limit_requests_total{limit_type=\"global\"} 1.0")
        .contains("rate_limit_rejected_total{limit_type=\"third_party\"} 0.0")
        .contains("refusals_total{reason=\"invalid_parser_id\"} 1.0")
        .contains("rate_limit_current_usage{limit_type=\"endpoint\"} 0.01")
        .contains("http_server_requests_seconds_count{method=\"POST\",route=\"/events\",status=\"202\"} 1");
  }

  @Test
  void rateLimitStatusShowsEveryLevelAndTheMostRefusedThirdParties() {
    for (int i = 0; i < 25; i++) {
      client.send(fromSource("abuser", unique()));
    }
    for (int i = 0; i < 3; i++) {
      client.send(fromSource("other", unique()));
    }

    var status = json(admin.get("/ratelimits"));

    assertThat(status.at("/global/rate_per_second").asLong()).isEqualTo(100);
    assertThat(status.at("/global/burst").asLong()).isEqualTo(200);
    assertThat(status.at("/global/available").asLong()).isEqualTo(177);
    assertThat(status.at("/endpoints/build.start/available").asLong()).isEqualTo(77);
    assertThat(status.at("/third_party/burst").asLong()).isEqualTo(20);
    assertThat(status.at("/third_party/most_refused_5m")).hasSize(1);
    assertThat(status.at("/third_party/most_refused_5m/0/id").asText()).isEqualTo("abuser");
    assertThat(status.at("/third_party/most_refused_5m/0/refusals_5m").asLong()).isEqualTo(5);
    assertThat(status.at("/third_party/most_refused_5m/0/available").asLong()).isZero();
  }

  @Test
  void badInputCostsNoToken() {
    for (int i = 0; i < 150; i++) {
      assertThat(client.send(client.buildStart("BAD")).statusCode()).isEqualTo(400);
    }

    assertThat(admin.get("/metrics").body()).contains("rate_limit_requests_total{limit_type=\"endpoint\"} 0.0");
    assertThat(client.send(client.buildStart("good")).headers().firstValue("X-RateLimit-Remaining")).hasValue("99");
  }

  @Test
  void metricsCanBeLimitedToNamedFamilies() throws Exception {
    assertThat(client.send(client.buildStart(unique())).statusCode()).isEqualTo(202);

    String some = admin.get("/metrics?name[]=concurrent_jobs_active&name[]=rate_limit_requests_total").body();

    assertThat(some)
        .contains("concurrent_jobs_active{namespace=\"default\"}")
        .contains("rate_limit_requests_total{limit_type=\"global\"} 1.0")
        .doesNotContain("rate_limit_rejected_total")
        .doesNotContain("http_server_requests");
  }

  private int parsers;

  /** A parser id no other request of the test uses, so build admission never answers it as already active. */
  private String unique() {
    return "parser-" + (++parsers);
  }

  private HttpRequest.Builder fromSource(String source, String parserId) {
    return client.buildStart(parserId).header("Ce-Source", source);
  }
}
