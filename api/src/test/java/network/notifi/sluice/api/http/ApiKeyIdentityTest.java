package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/** {@code identity.mode: api_key}: the key names the third party and its namespaces, and nothing else can. */
class ApiKeyIdentityTest {

  private static final String KEY_A = "key-of-customer-a-0123456789";
  private static final String KEY_B = "key-of-customer-b-9876543210";

  @TempDir Path dir;
  private Path keysFile;
  private SluiceApp app;
  private HttpTestClient client;
  private HttpTestClient admin;
  private final ListAppender<ILoggingEvent> logs = new ListAppender<>();
  private final Logger root = (Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME);

  @BeforeEach
  void start() throws IOException {
    logs.start();
    root.addAppender(logs);
    keysFile = dir.resolve("keys.yaml");
    writeKeys(Map.of(KEY_A, "customer-a:default,team-a", KEY_B, "customer-b:default"));
    var config = TestConfigs.config(Map.of(
        "SLUICE_IDENTITY_MODE", "api_key",
        "SLUICE_IDENTITY_API_KEYS_FILE", keysFile.toString(),
        "SLUICE_JOBS_NAMESPACES", "default,team-a,team-b"));
    // A clock that stands still: bucket counts are exact.
    app = SluiceApp.builder(config).clock(new ManualClock()).build().start();
    client = new HttpTestClient(app.port());
    admin = new HttpTestClient(app.adminPort());
  }

  @AfterEach
  void stop() {
    app.close();
    root.detachAppender(logs);
  }

  @Test
  void aRequestWithoutAKeyIsRefusedAndCounted() {
    var response = client.send(client.buildStart("parser-1"));

    assertUnauthenticated(response, "an API key is required: Authorization: Bearer <key>");
    assertThat(admin.get("/metrics").body())
        .contains("authentication_failures_total{reason=\"missing\"} 1.0")
        .contains("rate_limit_requests_total{limit_type=\"endpoint\"} 0.0");
  }

  @Test
  void anUnknownKeyIsRefusedWithoutEchoingItAndIsNeverLogged() {
    var response = client.send(client.buildStart("parser-1").header("Authorization", "Bearer guessed-key-123"));
    var malformed = client.send(client.buildStart("parser-1").header("Authorization", "Basic " + KEY_A));
    client.send(withKey(KEY_A, "parser-2"));

    assertUnauthenticated(response, "the API key is not known");
    assertUnauthenticated(malformed, "the Authorization header must be: Bearer <key>");
    assertThat(response.body()).doesNotContain("guessed-key-123");
    assertThat(admin.get("/metrics").body())
        .contains("authentication_failures_total{reason=\"unknown\"} 1.0")
        .contains("authentication_failures_total{reason=\"malformed\"} 1.0");
    assertThat(logs.list).extracting(ILoggingEvent::getFormattedMessage)
        .noneMatch(line -> line.contains("guessed-key-123") || line.contains(KEY_A));
  }

  @Test
  void aRefusalLeavesTheConnectionUsableWhenTheBodyArrivesAfterTheHead() throws Exception {
    // A client may write a request's head and body apart (the JDK's HttpClient does). The 401 is known
    // from the head; answered before the body was read, the body arriving after it made Jetty close the
    // connection without saying so, and the client's next request on that kept-alive connection got no
    // answer at all.
    byte[] body = "{\"parser_id\":\"parser-1\"}".getBytes(StandardCharsets.UTF_8);
    try (var connection = new KeptAliveConnection(app.port())) {
      String first = connection.sendHeadThenBody("POST", "/events", headers("Bearer guessed-key-123"), body);
      String second = connection.sendHeadThenBody("POST", "/events", headers("Bearer " + KEY_A), body);

      assertThat(first).startsWith("HTTP/1.1 401 ");
      assertThat(second).as("the next request on the same connection").startsWith("HTTP/1.1 202 ");
    }
  }

  private static String headers(String authorization) {
    return "Ce-Type: network.notifi.lambda.build.start\r\nCe-Id: raw-" + System.nanoTime()
        + "\r\nContent-Type: application/json\r\nAuthorization: " + authorization + "\r\n";
  }

  @Test
  void theKeyNamesTheThirdPartyWhateverTheHeadersSay() {
    // Customer A names customer B in every header that used to identify a caller: B's bucket is untouched.
    for (int i = 0; i < 25; i++) {
      client.send(withKey(KEY_A, "parser-a-" + i)
          .header("X-Third-Party-ID", "customer-b").header("Ce-Source", "customer-b"));
    }

    var fromB = client.send(withKey(KEY_B, "parser-b"));

    assertThat(fromB.statusCode()).isEqualTo(202);
    assertThat(json(fromB).get("third_party").asText()).isEqualTo("customer-b");
    assertThat(fromB.headers().firstValue("RateLimit").orElseThrow()).startsWith("\"third_party\";r=19;");
    var fromA = client.send(withKey(KEY_A, "parser-a-last").header("X-Third-Party-ID", "customer-b"));
    assertThat(fromA.statusCode()).isEqualTo(429);
    assertThat(json(fromA).get("reason").asText()).isEqualTo("third_party");
  }

  @Test
  void aKeyMayStartBuildsOnlyInItsOwnNamespaces() {
    var own = client.send(withKey(KEY_A, "parser-1", "team-a"));
    var notItsOwn = client.send(withKey(KEY_B, "parser-1", "team-a"));
    var notConfigured = client.send(withKey(KEY_B, "parser-1", "kube-system"));

    assertThat(own.statusCode()).isEqualTo(202);
    for (var refused : new HttpResponse[] {notItsOwn, notConfigured}) {
      @SuppressWarnings("unchecked") var r = (HttpResponse<String>) refused;
      assertThat(r.statusCode()).isEqualTo(403);
      assertThat(json(r).get("reason").asText()).isEqualTo("namespace_forbidden");
    }
  }

  @Test
  void aBuildIsShownOnlyToTheThirdPartyThatStartedIt() {
    String id = json(client.send(withKey(KEY_A, "parser-1"))).get("build_id").asText();

    var toOwner = client.send(client.post("/builds/" + id).header("Authorization", "Bearer " + KEY_A).GET());
    var toOther = client.send(client.post("/builds/" + id).header("Authorization", "Bearer " + KEY_B).GET());
    var toNobody = client.get("/builds/" + id);

    assertThat(toOwner.statusCode()).isEqualTo(200);
    assertThat(json(toOwner).get("third_party").asText()).isEqualTo("customer-a");
    assertThat(toOther.statusCode()).isEqualTo(404);
    assertThat(json(toOther).get("reason").asText()).isEqualTo("build_not_found");
    assertThat(toNobody.statusCode()).isEqualTo(401);
  }

  @Test
  void aDuplicateStartByAnotherTenantSaysABuildIsActiveButNotWhoseOrWhich() {
    var first = json(client.send(withKey(KEY_A, "shared-parser")));
    var again = client.send(withKey(KEY_A, "shared-parser"));
    var other = client.send(withKey(KEY_B, "shared-parser"));

    assertThat(json(again).get("build_id").asText()).isEqualTo(first.get("build_id").asText());
    assertThat(other.statusCode()).isEqualTo(200);
    assertThat(json(other).get("status").asText()).isEqualTo("already_active");
    assertThat(json(other).has("build_id")).isFalse();
    assertThat(json(other).has("third_party")).isFalse();
    assertThat(other.body()).doesNotContain(first.get("build_id").asText()).doesNotContain("customer-a");
  }

  @Test
  void aChangedKeysFileIsReadAgain() throws IOException {
    String keyC = "key-of-customer-c-55555";
    writeKeys(Map.of(keyC, "customer-c:default"));

    await().atMost(Duration.ofSeconds(15))
        .until(() -> client.send(withKey(keyC, "parser-c")).statusCode() == 202);
    assertUnauthenticated(client.send(withKey(KEY_A, "parser-a")), "the API key is not known");
  }

  @Test
  void anInvalidKeysFileLeavesTheKeysInForce() throws IOException {
    Files.writeString(keysFile, "- {third_party: broken, sha256: not-hex, namespaces: [default]}\n");
    await().atMost(Duration.ofSeconds(15))
        .until(() -> logs.list.stream().anyMatch(e -> e.getFormattedMessage().contains("is not valid")));

    assertThat(client.send(withKey(KEY_A, "parser-a")).statusCode()).isEqualTo(202);
  }

  private HttpRequest.Builder withKey(String key, String parser) {
    return client.buildStart(parser).header("Authorization", "Bearer " + key);
  }

  private HttpRequest.Builder withKey(String key, String parser, String namespace) {
    return client.post("/events")
        .header("Ce-Type", HttpTestClient.BUILD_START)
        .header("Content-Type", "application/json")
        .header("Authorization", "Bearer " + key)
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"parser_id\":\"" + parser + "\",\"namespace\":\"" + namespace + "\"}"));
  }

  private static void assertUnauthenticated(HttpResponse<String> response, String detail) {
    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"sluice\"");
    assertThat(json(response).get("reason").asText()).isEqualTo("unauthenticated");
    assertThat(json(response).get("detail").asText()).isEqualTo(detail);
  }

  /** Writes {@code key -> "third-party:ns1,ns2"} as the keys file, hashed as an operator would. */
  private void writeKeys(Map<String, String> keys) throws IOException {
    StringBuilder yaml = new StringBuilder();
    keys.forEach((key, owner) -> {
      String[] parts = owner.split(":");
      yaml.append("- third_party: ").append(parts[0]).append('\n')
          .append("  sha256: ").append(sha256(key)).append('\n')
          .append("  namespaces: [").append(parts[1]).append("]\n");
    });
    Path next = dir.resolve("keys.next");
    Files.writeString(next, yaml.toString());
    Files.move(next, keysFile, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  static String sha256(String key) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
