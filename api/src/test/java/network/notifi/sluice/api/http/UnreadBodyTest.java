package network.notifi.sluice.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An answer given without reading the request's body leaves the kept-alive connection usable when the
 * body arrives after the answer (a client may write a request's head and body apart, as the JDK's
 * HttpClient does): the client's next request on that connection is answered. Without {@link
 * UnreadBody}, Jetty closed such a connection after the answer, without saying so, and the next
 * request got nothing.
 */
class UnreadBodyTest {

  private static final byte[] BODY = "{\"parser_id\":\"parser-1\"}".getBytes(StandardCharsets.UTF_8);
  private static final String JSON = "Content-Type: application/json\r\n";

  private RunningApp running;

  @BeforeEach
  void start() {
    running = RunningApp.start(Map.of("SLUICE_SERVER_MAX_BODY_BYTES", "4096"));
  }

  @AfterEach
  void stop() {
    running.close();
  }

  @ParameterizedTest(name = "{1} {2} on the {0} port, body framed by {4}: {3}")
  @CsvSource({
    "public, POST, /no-such-route, 404, LENGTH",
    "public, POST, /health/live,   405, LENGTH",
    "public, PUT,  /events,        405, LENGTH",
    "public, POST, /metrics,       404, LENGTH",
    "admin,  POST, /events,        404, LENGTH",
    "public, POST, /no-such-route, 404, CHUNKED",
  })
  void anAnswerGivenBeforeTheBodyArrivedLeavesTheConnectionUsable(String port, String method, String target,
      int status, KeptAliveConnection.Framing framing) throws IOException {
    try (var connection = new KeptAliveConnection(port.equals("admin") ? running.app().adminPort() : running.app().port())) {
      String first = connection.sendBodyAfterTheAnswer(method, target, JSON, BODY, framing);
      String next = connection.get("/health/live");

      assertThat(first).startsWith("HTTP/1.1 " + status + " ");
      assertThat(next).as("the next request on the same connection").startsWith("HTTP/1.1 200 ");
    }
  }

  @Test
  void aBodyThatNeverArrivesDoesNotHoldUpTheRedisClient() throws IOException {
    // GET /builds/{id} is answered from the Redis stores: on the Redis client's event loop, which then
    // runs the after-handlers. Waiting there for a body would stall every Redis command of the replica
    // until the client gave up. Timeouts longer than the test client's 30 s, so that nothing but Redis
    // answering can answer the build start.
    var env = Map.of(
        "SLUICE_REDIS_MODE", "standalone",
        "SLUICE_REDIS_ADDRESSES", RedisServers.standalone().hostAndPort(),
        "SLUICE_REDIS_KEY_PREFIX", "unread" + System.nanoTime() + ":",
        "SLUICE_REDIS_COMMAND_TIMEOUT", "40s",
        "SLUICE_REDIS_DECISION_TIMEOUT", "40s",
        "SLUICE_SERVER_IDLE_TIMEOUT", "60s");
    try (var app = Wiring.build(TestConfigs.config(env), Map.of()).start();
        var stalled = new KeptAliveConnection(app.port())) {
      String answer = stalled.sendHeadWithoutItsBody("GET", "/builds/no-such-build", 100);
      var client = new HttpTestClient(app.port());
      var start = client.send(client.buildStart("parser-1").header("X-Third-Party-ID", "customer-1"));

      assertThat(answer).startsWith("HTTP/1.1 404 ");
      assertThat(start.statusCode()).as("a build start on another connection, while that body is awaited").isEqualTo(202);
    }
  }

  @Test
  void aBodyOverTheLimitIsDroppedAfterIts413AndTheConnectionStaysUsable() throws IOException {
    byte[] oversized = ("{\"parser_id\":\"p\",\"pad\":\"" + "x".repeat(64 << 10) + "\"}").getBytes(StandardCharsets.UTF_8);
    try (var connection = new KeptAliveConnection(running.app().port())) {
      String first = connection.sendBodyAfterTheAnswer("POST", "/events",
          JSON + "Ce-Type: network.notifi.lambda.build.start\r\nCe-Id: big-1\r\n", oversized,
          KeptAliveConnection.Framing.LENGTH);
      String next = connection.get("/health/live");

      assertThat(first).startsWith("HTTP/1.1 413 ").contains("body_too_large");
      assertThat(next).as("the next request on the same connection").startsWith("HTTP/1.1 200 ");
    }
  }
}
