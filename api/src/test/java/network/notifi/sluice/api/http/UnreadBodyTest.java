package network.notifi.sluice.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * An answer given without reading the request's body leaves the kept-alive connection usable when the
 * body arrives after the answer (a client may write a request's head and body apart, as the JDK's
 * HttpClient does): the client's next request on that connection is answered. Without {@link UnreadBody}, Jetty closed such a connection after the
 * answer, without saying so, and the next request got nothing.
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
