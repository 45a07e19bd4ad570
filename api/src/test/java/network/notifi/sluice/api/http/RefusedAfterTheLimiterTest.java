package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Map;
import network.notifi.sluice.limiter.ManualClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The no-leak rule after the limiter: a build start the limiter admitted and build admission refused
 * gives its token back at every level; a duplicate start is answered and keeps its token. On a clock
 * that stands still, so every count is exact.
 */
class RefusedAfterTheLimiterTest {

  private final ManualClock clock = new ManualClock();
  private RunningApp running;
  private HttpTestClient client;
  private HttpTestClient admin;

  private void start(Map<String, String> env) {
    running = RunningApp.start(env, clock);
    client = running.client();
    admin = running.admin();
  }

  @AfterEach
  void stop() {
    if (running != null) {
      running.close();
    }
  }

  @Test
  void startsRefusedAtCapacityCostNoTokenAtAnyLevel() {
    start(Map.of("SLUICE_RATE_LIMITING_MAX_CONCURRENT_JOBS", "1", "SLUICE_JOBS_ON_CAPACITY", "reject"));
    assertThat(client.send(client.buildStart("parser-0").header("X-Third-Party-ID", "tp")).statusCode()).isEqualTo(202);

    for (int i = 1; i <= 30; i++) {
      var refused = client.send(client.buildStart("parser-" + i).header("X-Third-Party-ID", "tp"));

      assertThat(refused.statusCode()).isEqualTo(503);
      assertThat(json(refused).get("reason").asText()).isEqualTo("job_limit");
      // The answer's headers show the buckets after the give-back.
      assertThat(refused.headers().firstValue("RateLimit"))
          .hasValue("\"third_party\";r=19;t=1, \"endpoint\";r=99;t=1, \"global\";r=199;t=1");
    }

    // 30 refusals beyond the third party's burst of 20, and only the first start's token is spent.
    assertTokens(199, 99);
    assertThat(admin.get("/metrics").body())
        .contains("rate_limit_given_back_total{limit_type=\"global\"} 30.0")
        .contains("rate_limit_given_back_total{limit_type=\"third_party\"} 30.0");
  }

  @Test
  void startsRefusedDuringBackoffCostNoTokenAtAnyLevel() {
    start(Map.of("SLUICE_JOBS_LOCAL_COMMAND", "exit 1"));
    var first = json(client.send(client.buildStart("broken")));
    String id = first.get("build_id").asText();
    await().atMost(Duration.ofSeconds(20))
        .until(() -> json(client.get("/builds/" + id)).get("status").asText().equals("failed"));

    for (int i = 0; i < 150; i++) {
      var refused = client.send(client.buildStart("broken"));
      assertThat(refused.statusCode()).isEqualTo(429);
      assertThat(json(refused).get("reason").asText()).isEqualTo("build_backoff");
    }

    // 150 retries, more than the endpoint's burst of 100: only the failed build's token is spent.
    assertTokens(199, 99);
    assertThat(client.send(client.buildStart("another")).statusCode()).isEqualTo(202);
  }

  @Test
  void aDuplicateStartIsAnsweredAndKeepsItsToken() {
    start(Map.of());
    var first = client.send(client.buildStart("parser-1"));
    var again = client.send(client.buildStart("parser-1"));

    assertThat(first.statusCode()).isEqualTo(202);
    assertThat(again.statusCode()).isEqualTo(200);
    assertThat(json(again).get("build_id").asText()).isEqualTo(json(first).get("build_id").asText());
    assertTokens(198, 98);
  }

  private void assertTokens(long global, long endpoint) {
    var status = json(admin.get("/ratelimits"));
    assertThat(status.at("/global/available").asLong()).isEqualTo(global);
    assertThat(status.at("/endpoints/build.start/available").asLong()).isEqualTo(endpoint);
  }
}
