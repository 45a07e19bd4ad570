package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.BUILD_START;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.ValidationReport;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.admin.AdminToken;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Real answers of a running Sluice, validated against the {@code /openapi.json} its admin port serves
 * (the whole document; Atlassian's swagger-request-validator, which reads the 3.1 document through
 * swagger-parser): each documented answer of {@code POST /events}, in binary and structured mode, and
 * the other routes, each asked on the port that serves it. Buckets on a clock that stands still, so
 * the third-party limit (burst 2) refuses the third request of a source.
 */
class OpenApiContractTest {

  private static final String FAILING = "failing-parser";
  private static final String TOKEN = "contract-test-token";

  private final ManualClock clock = new ManualClock();
  private SluiceApp app;
  private HttpTestClient client;
  private HttpTestClient admin;
  private OpenApiInteractionValidator validator;

  @BeforeEach
  void start() {
    var config = TestConfigs.config(Map.of(
        "SLUICE_RATE_LIMITING_THIRD_PARTY_RPS", "1",
        "SLUICE_RATE_LIMITING_THIRD_PARTY_BURST", "2",
        "SLUICE_RATE_LIMITING_MAX_CONCURRENT_JOBS", "2",
        "SLUICE_JOBS_ON_CAPACITY", "reject",
        "SLUICE_SERVER_MAX_BODY_BYTES", "2048",
        "SLUICE_JOBS_LOCAL_COMMAND", "test \"$PARSER_ID\" != " + FAILING + " && sleep 600"));
    app = SluiceApp.builder(config)
        .clock(clock)
        .adminToken(AdminToken.fromEnvironment(Map.of(AdminToken.VARIABLE, TOKEN)))
        .build()
        .start();
    client = new HttpTestClient(app.port());
    admin = new HttpTestClient(app.adminPort());
    String document = admin.get("/openapi.json").body();
    validator = OpenApiInteractionValidator.createForInlineApiSpecification(document).build();
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @Test
  void theServedDocumentIsOpenApi31WithTheRunningVersion() {
    JsonNode document = HttpTestClient.json(get("/openapi.json"));

    assertThat(document.get("openapi").asText()).isEqualTo("3.1.0");
    assertThat(document.at("/info/version").asText()).isEqualTo(HttpTestClient.json(get("/version")).get("version").asText());
  }

  @Test
  void everyAnswerOfEventsMatchesTheDocument() {
    // 202 running, binary mode, and 200 for the same parser again.
    var started = valid(binary("parser-a", "network.notifi.customer-1"), 202);
    assertThat(started.body()).contains("\"status\":\"running\"");
    valid(binary("parser-a", "network.notifi.customer-2"), 200);

    // 202 in structured mode (the second slot), then 503 job_limit: both slots are taken.
    valid(structured("parser-b", "network.notifi.customer-3"), 202);
    assertProblem(valid(binary("parser-c", "network.notifi.customer-4"), 503), "job_limit");

    // 429 third_party: the source's third request, the bucket's burst being 2.
    valid(binary("parser-a", "network.notifi.customer-5"), 200);
    valid(binary("parser-a", "network.notifi.customer-5"), 200);
    assertProblem(valid(binary("parser-a", "network.notifi.customer-5"), 429), "third_party");

    // 400s, 413 and 415: answers to requests the document does not allow.
    assertProblem(invalid(post("/events", Map.of("Ce-Type", BUILD_START, "Content-Type", "application/json"), "{not json"), 400), "invalid_event");
    assertProblem(invalid(post("/events", Map.of("Ce-Type", "network.notifi.lambda.build.stop", "Content-Type", "application/json"), "{\"parser_id\":\"p\"}"), 400), "unknown_event_type");
    assertProblem(invalid(post("/events", Map.of("Ce-Type", BUILD_START, "Content-Type", "application/json"), "{\"parser_id\":\"Not A Label\"}"), 400), "invalid_parser_id");
    assertProblem(invalid(post("/events", Map.of("Ce-Type", BUILD_START, "Content-Type", "application/json"), "{\"parser_id\":\"" + "x".repeat(3000) + "\"}"), 413), "body_too_large");
    assertProblem(invalid(post("/events", Map.of("Ce-Type", BUILD_START, "Content-Type", "text/plain"), "parser_id=p"), 415), "unsupported_media_type");
  }

  @Test
  void aFailedBuildsBackoffAnswerMatchesTheDocument() {
    var failing = HttpTestClient.json(valid(binary(FAILING, "network.notifi.customer-6"), 202));
    String id = failing.get("build_id").asText();
    await().atMost(Duration.ofSeconds(30))
        .until(() -> HttpTestClient.json(get("/builds/" + id)).get("status").asText().equals("failed"));

    var refused = valid(binary(FAILING, "network.notifi.customer-7"), 429);

    assertProblem(refused, "build_backoff");
    assertThat(refused.headers().firstValue("Retry-After")).isPresent();
  }

  @Test
  void buildsHealthAndAdminAnswersMatchTheDocument() {
    String id = HttpTestClient.json(valid(binary("parser-d", "network.notifi.customer-8"), 202)).get("build_id").asText();

    valid(get("GET", "/builds/" + id), 200);
    assertProblem(valid(get("GET", "/builds/no-such-build"), 404), "build_not_found");
    assertProblem(invalid(get("GET", "/builds/" + "%20bad"), 400), "invalid_build_id");
    valid(get("GET", "/health/live"), 200);
    valid(get("GET", "/health/ready"), 200);
    valid(get("GET", "/openapi.json"), 200);
    valid(get("GET", "/version"), 200);
    valid(get("GET", "/status"), 200);
    valid(get("GET", "/metrics"), 200);
    valid(get("GET", "/ratelimits"), 200);
  }

  @Test
  void adminLimitsAnswersMatchTheDocument() {
    String change = "{\"rate_limiting\": {\"global_rps\": 150}}";
    var authorized = Map.of("Authorization", "Bearer " + TOKEN, "Content-Type", "application/json");

    valid(get("GET", "/admin/limits"), 200);
    valid(new Exchange("PUT", "/admin/limits", authorized, change), 200);
    assertProblem(invalid(new Exchange("PUT", "/admin/limits", Map.of("Content-Type", "application/json"), change), 401), "unauthorized");
    assertProblem(valid(new Exchange("PUT", "/admin/limits",
        Map.of("Authorization", "Bearer wrong", "Content-Type", "application/json"), change), 403), "forbidden");
    assertProblem(invalid(new Exchange("PUT", "/admin/limits", authorized, "{\"rate_limiting\": {\"global_rps\": 0}}"), 400), "invalid_limits");
  }

  @Test
  void refusalsOfTenantsAndHostileBodiesMatchTheDocument() {
    var json = Map.of("Ce-Type", BUILD_START, "Content-Type", "application/json");

    assertProblem(valid(post("/events", json, "{\"parser_id\":\"p-ns\",\"namespace\":\"nowhere\"}"), 400),
        "unknown_namespace");
    assertProblem(invalid(post("/events", json, "{\"parser_id\":" + "[".repeat(40) + "]".repeat(40) + "}"), 400),
        "json_too_deep");
    var bigHeaders = new LinkedHashMap<>(json);
    bigHeaders.put("X-Padding", "x".repeat(10_000));
    assertProblem(invalid(post("/events", bigHeaders, "{\"parser_id\":\"p-big\"}"), 431), "headers_too_large");
  }

  @Test
  void answersOfApiKeyModeMatchTheDocument(@TempDir Path dir) throws IOException {
    Path keys = dir.resolve("keys.yaml");
    Files.writeString(keys, "- {third_party: customer-k, sha256: " + ApiKeyIdentityTest.sha256("key-k")
        + ", namespaces: [default]}\n");
    try (var keyed = RunningApp.start(Map.of(
        "SLUICE_IDENTITY_MODE", "api_key",
        "SLUICE_IDENTITY_API_KEYS_FILE", keys.toString(),
        "SLUICE_JOBS_NAMESPACES", "default,team-b"))) {
      // The exchanges below go to the app in api_key mode.
      client = keyed.client();
      var withKey = Map.of("Ce-Type", BUILD_START, "Content-Type", "application/json", "Authorization", "Bearer key-k");

      assertProblem(valid(binary("p-nokey", "network.notifi.customer-k"), 401), "unauthenticated");
      assertProblem(valid(post("/events", withKey, "{\"parser_id\":\"p-b\",\"namespace\":\"team-b\"}"), 403),
          "namespace_forbidden");
      assertProblem(valid(get("GET", "/builds/some-build"), 401), "unauthenticated");
    }
  }

  @Test
  void theValidatorCatchesAnAnswerTheDocumentDoesNotAllow() {
    // The check above can fail: an undocumented status and a build in an unknown state are reported.
    var request = SimpleRequest.Builder.get("/builds/abc").build();
    var teapot = SimpleResponse.Builder.status(418).withContentType("application/json").withBody("{}").build();
    var unknownState = SimpleResponse.Builder.status(200).withContentType("application/json")
        .withBody("{\"build_id\":\"abc\",\"parser_id\":\"p\",\"namespace\":\"default\",\"third_party\":null,"
            + "\"status\":\"exploded\",\"created_at\":\"2026-11-29T12:00:00Z\"}")
        .build();

    assertThat(validator.validate(request, teapot).hasErrors()).isTrue();
    assertThat(validator.validate(request, unknownState).getMessages())
        .anySatisfy(m -> assertThat(m.getMessage()).contains("exploded"));
  }

  /** A call and its answer. */
  private record Exchange(String method, String path, Map<String, String> headers, String body) {}

  private static Exchange binary(String parserId, String source) {
    return post("/events", Map.of("Ce-Type", BUILD_START, "Ce-Source", source, "Content-Type", "application/json"),
        "{\"parser_id\":\"" + parserId + "\"}");
  }

  private static Exchange structured(String parserId, String source) {
    return post("/events", Map.of("Content-Type", "application/cloudevents+json"),
        "{\"specversion\":\"1.0\",\"id\":\"e-" + parserId + "\",\"source\":\"" + source + "\",\"type\":\"" + BUILD_START
            + "\",\"datacontenttype\":\"application/json\",\"data\":{\"parser_id\":\"" + parserId + "\"}}");
  }

  private static Exchange post(String path, Map<String, String> headers, String body) {
    return new Exchange("POST", path, headers, body);
  }

  private static Exchange get(String method, String path) {
    return new Exchange(method, path, Map.of(), null);
  }

  /** Sends a request the document allows; request and answer must both match it. */
  private HttpResponse<String> valid(Exchange exchange, int status) {
    var response = send(exchange);
    assertThat(response.statusCode()).as(exchange.path() + " " + response.body()).isEqualTo(status);
    assertNoErrors(validator.validate(request(exchange), response(response)), exchange, response);
    return response;
  }

  /** Sends a request the document does not allow; its answer must still match the document. */
  private HttpResponse<String> invalid(Exchange exchange, int status) {
    var response = send(exchange);
    assertThat(response.statusCode()).as(exchange.path() + " " + response.body()).isEqualTo(status);
    var method = Request.Method.valueOf(exchange.method());
    String path = URI.create("http://x" + exchange.path()).getPath();
    assertNoErrors(validator.validateResponse(path, method, response(response)), exchange, response);
    return response;
  }

  private static void assertNoErrors(ValidationReport report, Exchange exchange, HttpResponse<String> response) {
    assertThat(report.getMessages())
        .as(exchange.method() + " " + exchange.path() + " -> " + response.statusCode() + " " + response.body())
        .filteredOn(m -> m.getLevel() == ValidationReport.Level.ERROR)
        .isEmpty();
  }

  private static void assertProblem(HttpResponse<String> response, String reason) {
    assertThat(response.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(HttpTestClient.json(response).get("reason").asText()).isEqualTo(reason);
  }

  private static Request request(Exchange exchange) {
    var builder = new SimpleRequest.Builder(exchange.method(), URI.create("http://x" + exchange.path()).getPath());
    exchange.headers().forEach(builder::withHeader);
    if (exchange.body() != null) {
      builder.withBody(exchange.body());
    }
    return builder.build();
  }

  private static SimpleResponse response(HttpResponse<String> response) {
    var builder = SimpleResponse.Builder.status(response.statusCode()).withBody(response.body());
    Map<String, List<String>> headers = new LinkedHashMap<>(response.headers().map());
    headers.forEach(builder::withHeader);
    return builder.build();
  }

  private HttpResponse<String> get(String path) {
    return send(get("GET", path));
  }

  /** Sends to the port that serves the exchange's path. */
  private HttpResponse<String> send(Exchange exchange) {
    var target = Ports.ADMIN_PATHS.contains(URI.create("http://x" + exchange.path()).getPath()) ? admin : client;
    // post() only builds the request; the method is the exchange's.
    var builder = target.post(exchange.path());
    exchange.headers().forEach(builder::header);
    builder.method(exchange.method(), exchange.body() == null
        ? HttpRequest.BodyPublishers.noBody()
        : HttpRequest.BodyPublishers.ofString(exchange.body(), StandardCharsets.UTF_8));
    return target.send(builder);
  }

}
