package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.BUILD_START;
import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Bad input gets a clear problem+json with a reason, never a 500 or a stack trace, and costs no token. */
class BadInputTest {

  private static SluiceApp app;
  private static HttpTestClient client;

  @BeforeAll
  static void start() {
    var config = TestConfigs.config();
    app = SluiceApp.builder(config).clock(new ManualClock()).build().start();
    client = new HttpTestClient(app.port());
  }

  @AfterAll
  static void stop() {
    app.close();
  }

  private static HttpRequest.Builder event(String contentType, String body) {
    return client.post("/events")
        .header("Ce-Type", BUILD_START)
        .header("Content-Type", contentType)
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  private static void assertProblem(HttpResponse<String> response, int status, String reason) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    var body = json(response);
    assertThat(body.get("reason").asText()).isEqualTo(reason);
    assertThat(body.get("status").asInt()).isEqualTo(status);
    assertThat(body.get("type").asText()).isEqualTo("/problems/" + reason);
    assertThat(body.get("title").asText()).isNotBlank();
    assertThat(body.get("detail").asText()).isNotBlank();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }

  @Test
  void malformedJsonData() {
    assertProblem(client.send(event("application/json", "{\"parser_id\": ")), 400, "invalid_event");
  }

  @Test
  void dataThatIsNotAnObject() {
    assertProblem(client.send(event("application/json", "[1,2]")), 400, "invalid_event");
  }

  @Test
  void malformedStructuredEvent() {
    assertProblem(client.send(event("application/cloudevents+json", "{\"specversion\": \"1.0\", ")), 400, "invalid_event");
  }

  @Test
  void structuredEventWithoutId() {
    var body = "{\"specversion\":\"1.0\",\"source\":\"s\",\"type\":\"" + BUILD_START + "\",\"data\":{\"parser_id\":\"p\"}}";
    var response = client.send(event("application/cloudevents+json", body));
    assertProblem(response, 400, "invalid_event");
    assertThat(json(response).get("detail").asText()).isEqualTo("not a valid CloudEvent: Missing mandatory id attribute");
  }

  @Test
  void missingType() {
    var response = client.send(client.post("/events")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"parser_id\":\"p\"}")));
    assertProblem(response, 400, "invalid_event");
    assertThat(json(response).get("detail").asText()).contains("Ce-Type");
  }

  @Test
  void unknownType() {
    var response = client.send(client.post("/events")
        .header("Ce-Type", "network.notifi.lambda.build.explode")
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"parser_id\":\"p\"}")));
    assertProblem(response, 400, "unknown_event_type");
  }

  @Test
  void missingParserId() {
    assertProblem(client.send(event("application/json", "{\"parser\":\"p\"}")), 400, "invalid_parser_id");
  }

  @Test
  void parserIdThatIsNotADnsLabel() {
    assertProblem(client.send(event("application/json", "{\"parser_id\":\"Parser_1\"}")), 400, "invalid_parser_id");
    assertProblem(client.send(event("application/json", "{\"parser_id\":\"-p\"}")), 400, "invalid_parser_id");
    assertProblem(client.send(event("application/json", "{\"parser_id\":42}")), 400, "invalid_parser_id");
    assertProblem(
        client.send(event("application/json", "{\"parser_id\":\"" + "a".repeat(64) + "\"}")), 400, "invalid_parser_id");
    assertThat(client.send(event("application/json", "{\"parser_id\":\"" + "a".repeat(63) + "\"}")).statusCode())
        .isEqualTo(202);
  }

  @Test
  void thirdPartyIdTooLong() {
    var response = client.send(client.buildStart("p").header("X-Third-Party-ID", "x".repeat(129)));
    assertProblem(response, 400, "invalid_third_party");
  }

  @Test
  void thirdPartyIdWithControlCharacters() {
    var body = "{\"specversion\":\"1.0\",\"id\":\"1\",\"source\":\"bad\\u0007source\",\"type\":\"" + BUILD_START
        + "\",\"data\":{\"parser_id\":\"p\"}}";
    // The CloudEvents SDK already refuses such a source as an invalid URI reference.
    assertProblem(client.send(event("application/cloudevents+json", body)), 400, "invalid_event");
    assertProblem(client.send(client.buildStart("p").header("X-Third-Party-ID", "tab\there")), 400, "invalid_third_party");
  }

  @Test
  void bodyOverOneMebibyte() {
    String big = "{\"parser_id\":\"p\",\"pad\":\"" + "x".repeat(1_048_576) + "\"}";
    assertProblem(client.send(event("application/json", big)), 413, "body_too_large");
  }

  @Test
  void anOversizedBodyIsReadAndDroppedSoTheConnectionStaysUsable() throws IOException {
    byte[] body = ("{\"parser_id\":\"p\",\"pad\":\"" + "x".repeat(2 << 20) + "\"}").getBytes(StandardCharsets.US_ASCII);
    String headers = "Content-Type: application/json\r\nCe-Id: 1\r\nCe-Specversion: 1.0\r\nCe-Source: t\r\nCe-Type: "
        + BUILD_START + "\r\n";
    try (var connection = new KeptAliveConnection(app.port())) {
      String refused = connection.send("POST", "/events", headers, body);

      assertThat(refused).startsWith("HTTP/1.1 413").contains("body_too_large").doesNotContainIgnoringCase("Connection: close");
      // A second request on the same connection: answered only if the server read the first body.
      assertThat(connection.get("/health/live")).startsWith("HTTP/1.1 200");
    }
  }

  @Test
  void wrongMediaType() {
    assertProblem(client.send(event("text/plain", "{\"parser_id\":\"p\"}")), 415, "unsupported_media_type");
    assertProblem(
        client.send(event("application/x-www-form-urlencoded", "{\"parser_id\":\"p\"}")), 415, "unsupported_media_type");
  }

  @Test
  void unknownRouteAndMethod() {
    assertProblem(client.get("/nowhere"), 404, "not_found");
    assertProblem(client.get("/events"), 405, "method_not_allowed");
  }
}
