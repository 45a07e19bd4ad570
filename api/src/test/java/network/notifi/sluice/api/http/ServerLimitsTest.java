package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.http.HttpRequest;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.api.SluiceApp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** What one client may hold or send: header size, nesting, silence, connections. */
class ServerLimitsTest {

  private RunningApp running;
  private SluiceApp app;
  private HttpTestClient client;
  private final List<Socket> sockets = new ArrayList<>();

  private void start(Map<String, String> env) {
    running = RunningApp.start(env);
    app = running.app();
    client = running.client();
  }

  @AfterEach
  void stop() throws IOException {
    for (Socket socket : sockets) {
      socket.close();
    }
    if (running != null) {
      running.close();
    }
  }

  @Test
  void headersOverTheLimitAreRefusedWithoutAStackTrace() {
    start(Map.of("SLUICE_SERVER_MAX_HEADER_BYTES", "2048"));

    var response = client.send(client.buildStart("parser-1").header("X-Padding", "a".repeat(4096)));

    assertThat(response.statusCode()).isEqualTo(431);
    assertThat(response.headers().firstValue("Content-Type")).hasValue(Problem.MEDIA_TYPE);
    assertThat(json(response).get("reason").asText()).isEqualTo("headers_too_large");
    assertThat(response.body()).doesNotContain("at org.").doesNotContain("Exception");
    assertThat(client.send(client.buildStart("parser-2")).statusCode()).isEqualTo(202);
  }

  @Test
  void aBodyNestedDeeperThanTheLimitIsRefusedBeforeAnyParser() {
    start(Map.of());
    String deep = "{\"parser_id\":\"p\",\"x\":" + "[".repeat(100_000) + "]".repeat(100_000) + "}";

    for (String contentType : List.of("application/json", "application/cloudevents+json")) {
      var response = client.send(client.post("/events")
          .header("Ce-Type", HttpTestClient.BUILD_START)
          .header("Content-Type", contentType)
          .POST(HttpRequest.BodyPublishers.ofString(deep)));

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(json(response).get("reason").asText()).isEqualTo("json_too_deep");
    }
    // Brackets inside strings are text, not nesting.
    var bracketsInAString = client.send(client.post("/events")
        .header("Ce-Type", HttpTestClient.BUILD_START)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"parser_id\":\"p\",\"note\":\"" + "[{".repeat(100) + "\"}")));
    assertThat(bracketsInAString.statusCode()).isEqualTo(202);
  }

  @Test
  void aClientThatGoesSilentIsDisconnected() throws IOException {
    start(Map.of("SLUICE_SERVER_IDLE_TIMEOUT", "500ms"));
    Socket slow = open(app.port());
    // Half a request, then nothing: a slow client holding a connection.
    slow.getOutputStream().write("POST /events HTTP/1.1\r\nHost: sluice\r\nCe-Type: x".getBytes(StandardCharsets.US_ASCII));
    slow.setSoTimeout(20_000);

    InputStream in = slow.getInputStream();
    byte[] answer = in.readAllBytes();

    // Closed by the server (end of stream), with at most a short error answer first.
    assertThat(new String(answer, StandardCharsets.US_ASCII)).doesNotContain("Exception");
  }

  @Test
  void connectionsBeyondTheLimitWaitUntilOneCloses() throws IOException {
    start(Map.of("SLUICE_SERVER_MAX_CONNECTIONS", "2"));
    Socket first = open(app.port());
    open(app.port());

    CompletableFuture<Integer> third = CompletableFuture.supplyAsync(() -> client.get("/health/live").statusCode());

    await().during(Duration.ofMillis(500)).atMost(Duration.ofSeconds(5)).until(() -> !third.isDone());
    // The admin port is not counted: monitoring still gets in.
    assertThat(running.admin().get("/health/live").statusCode()).isEqualTo(200);
    first.close();
    assertThat(third.join()).isEqualTo(200);
  }

  private Socket open(int port) throws IOException {
    Socket socket = new Socket("127.0.0.1", port);
    sockets.add(socket);
    return socket;
  }
}
