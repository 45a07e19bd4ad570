package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The seed's scenarios 3 and 4 over HTTP on the embedded default (and, in a subclass, on a Redis
 * Cluster): builds are local processes that
 * run until the test creates {@code <dir>/<parser>.ok} (exit 0) or {@code <dir>/<parser>.fail} (exit 1).
 */
public class AdmissionEndpointTest {

  @TempDir Path dir;
  private SluiceApp app;
  private HttpTestClient client;

  /** Settings a subclass adds, e.g. to run the same scenarios on a Redis Cluster. */
  protected Map<String, String> backend() {
    return Map.of();
  }

  private void start(Map<String, String> env) {
    Map<String, String> all = new HashMap<>(backend());
    all.putAll(env);
    all.put("SLUICE_JOBS_LOCAL_COMMAND",
        "while true; do [ -e '" + dir + "/'$PARSER_ID.ok ] && exit 0; [ -e '" + dir + "/'$PARSER_ID.fail ] && exit 1;"
            + " sleep 0.05; done");
    app = Wiring.build(TestConfigs.config(all), Map.of()).start();
    client = new HttpTestClient(app.port());
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
  }

  @Test
  void seedScenario3_fifteenBuildsRunTenAndQueueFiveWhichStartAsRunningOnesEnd() throws IOException {
    start(Map.of());
    List<JsonNode> answers = new ArrayList<>();
    for (int i = 1; i <= 15; i++) {
      var response = client.send(client.buildStart("parser-" + i));
      assertThat(response.statusCode()).isEqualTo(202);
      answers.add(json(response));
    }

    assertThat(answers.subList(0, 10)).allSatisfy(a -> assertThat(a.get("status").asText()).isEqualTo("running"));
    assertThat(answers.subList(10, 15)).allSatisfy(a -> assertThat(a.get("status").asText()).isEqualTo("queued"));
    assertThat(answers.subList(10, 15)).extracting(a -> a.get("position").asLong()).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(answers.get(10).get("estimated_start").asText()).isNotBlank();

    finish("parser-1", "ok");
    finish("parser-2", "ok");

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(status(answers.get(0))).isEqualTo("succeeded");
      assertThat(status(answers.get(10))).isEqualTo("running");
      assertThat(status(answers.get(11))).isEqualTo("running");
    });
    assertThat(status(answers.get(12))).isEqualTo("queued");
    assertThat(json(client.get("/builds/" + id(answers.get(12)))).get("position").asLong()).isEqualTo(1);
  }

  @Test
  void seedScenario3_rejectModeRefusesTheEleventhWithConcurrentJobLimitReached() {
    start(Map.of("SLUICE_JOBS_ON_CAPACITY", "reject"));
    for (int i = 1; i <= 10; i++) {
      assertThat(client.send(client.buildStart("parser-" + i)).statusCode()).isEqualTo(202);
    }

    var refused = client.send(client.buildStart("parser-11"));

    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(json(refused).get("reason").asText()).isEqualTo("job_limit");
    assertThat(json(refused).get("limit").asText()).isEqualTo("namespace");
    assertThat(json(refused).get("detail").asText()).startsWith("concurrent job limit reached");
    assertThat(Long.parseLong(refused.headers().firstValue("Retry-After").orElseThrow())).isPositive();
  }

  @Test
  void aThirdPartyAtItsCapIsRefusedWithTheLimitNamedWhileAnotherStarts() throws IOException {
    start(Map.of("SLUICE_JOBS_ON_CAPACITY", "reject", "SLUICE_JOBS_MAX_CONCURRENT_PER_THIRD_PARTY", "1"));
    assertThat(client.send(client.buildStart("parser-1").header("X-Third-Party-ID", "acme")).statusCode())
        .isEqualTo(202);

    var refused = client.send(client.buildStart("parser-2").header("X-Third-Party-ID", "acme"));
    var other = client.send(client.buildStart("parser-3").header("X-Third-Party-ID", "globex"));

    assertThat(refused.statusCode()).isEqualTo(503);
    assertThat(refused.headers().firstValue("Content-Type")).hasValue("application/problem+json");
    assertThat(json(refused).get("reason").asText()).isEqualTo("job_limit");
    assertThat(json(refused).get("limit").asText()).isEqualTo("third_party");
    assertThat(json(refused).get("detail").asText()).contains("jobs.max_concurrent_per_third_party");
    assertThat(other.statusCode()).isEqualTo(202);
    assertThat(json(other).get("status").asText()).isEqualTo("running");
  }

  @Test
  void seedScenario4_failedParserIsRefusedDuringItsBackoffWindowThenAllowed() throws IOException {
    start(Map.of("SLUICE_RATE_LIMITING_FAILURE_BACKOFF_PERIOD", "2s"));
    var first = json(client.send(client.buildStart("invalid-parser")));
    finish("invalid-parser", "fail");
    await().atMost(Duration.ofSeconds(10)).until(() -> status(first).equals("failed"));
    assertThat(json(client.get("/builds/" + id(first))).get("failure_reason").asText()).isNotBlank();

    var second = client.send(client.buildStart("invalid-parser"));

    assertThat(second.statusCode()).isEqualTo(429);
    assertThat(json(second).get("reason").asText()).isEqualTo("build_backoff");
    assertThat(json(second).get("detail").asText()).startsWith("build failed recently, backoff period active");
    assertThat(Long.parseLong(second.headers().firstValue("Retry-After").orElseThrow())).isBetween(1L, 2L);
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
        .until(() -> client.send(client.buildStart("invalid-parser")).statusCode() == 202);
  }

  @Test
  void startingTheSameParserTwiceIsANoOpAnsweringTheExistingBuild() {
    start(Map.of());
    var first = client.send(client.buildStart("parser-x"));

    var second = client.send(client.buildStart("parser-x"));

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(id(json(second))).isEqualTo(id(json(first)));
  }

  @Test
  void buildStatusHasTimestampsNamespaceParserAndThirdParty() {
    start(Map.of());
    var started = json(client.send(client.buildStart("parser-y").header("X-Third-Party-ID", "customer-9")));

    var status = json(client.get("/builds/" + id(started)));

    assertThat(status.get("status").asText()).isEqualTo("running");
    assertThat(status.get("parser_id").asText()).isEqualTo("parser-y");
    assertThat(status.get("namespace").asText()).isEqualTo("default");
    assertThat(status.get("third_party").asText()).isEqualTo("customer-9");
    assertThat(status.get("created_at").asText()).isNotBlank();
    assertThat(status.get("started_at").asText()).isNotBlank();
  }

  @Test
  void unknownBuildIsANotFoundProblem() {
    start(Map.of());

    var response = client.get("/builds/no-such-build");

    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(json(response).get("reason").asText()).isEqualTo("build_not_found");
  }

  @Test
  void rateLimitStatusShowsSlotsAndQueuePerNamespace() {
    start(Map.of("SLUICE_RATE_LIMITING_MAX_CONCURRENT_JOBS", "2"));
    for (int i = 1; i <= 3; i++) {
      client.send(client.buildStart("parser-" + i));
    }

    var jobs = json(new HttpTestClient(app.adminPort()).get("/ratelimits")).get("jobs");

    assertThat(jobs.at("/namespaces/default/slots_used").asInt()).isEqualTo(2);
    assertThat(jobs.at("/namespaces/default/slots_limit").asInt()).isEqualTo(2);
    assertThat(jobs.at("/namespaces/default/queue_depth").asInt()).isEqualTo(1);
  }

  private String status(JsonNode build) {
    return json(client.get("/builds/" + id(build))).get("status").asText();
  }

  private static String id(JsonNode build) {
    return build.get("build_id").asText();
  }

  private void finish(String parser, String how) throws IOException {
    Files.createFile(dir.resolve(parser + "." + how));
  }
}
