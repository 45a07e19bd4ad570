package network.notifi.sluice.api.redis;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.redis.RedisConfig;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Three replicas on one real Redis Cluster enforce one set of limits, not three. */
class SharedLimitsAcrossReplicasTest {

  private final List<SluiceApp> replicas = new ArrayList<>();
  private final List<HttpTestClient> clients = new ArrayList<>();

  @BeforeEach
  void startThreeReplicas() {
    var env = Map.of(
        "SLUICE_REDIS_MODE", "cluster",
        "SLUICE_REDIS_ADDRESSES", String.join(",", RedisServers.cluster().addresses()),
        // Keys of this test only: the cluster is shared by the whole test run.
        "SLUICE_REDIS_KEY_PREFIX", "t" + System.nanoTime() + ":",
        // This test is about sharing, not failover: generous timeouts keep a busy test machine
        // from tripping the breaker into local (unshared) buckets.
        "SLUICE_REDIS_COMMAND_TIMEOUT", "3s",
        "SLUICE_REDIS_DECISION_TIMEOUT", "5s");
    var config = TestConfigs.config(env);
    assertThat(config.redis().mode()).isEqualTo(RedisConfig.Mode.CLUSTER);
    for (int i = 0; i < 3; i++) {
      var app = Wiring.build(config, Map.of()).start();
      replicas.add(app);
      clients.add(new HttpTestClient(app.port()));
    }
  }

  @AfterEach
  void stop() {
    replicas.forEach(SluiceApp::close);
  }

  @Test
  void burstSpreadOverThreeReplicasIsHeldToOneEndpointBurst() {
    List<HttpRequest.Builder> requests = new ArrayList<>();
    List<HttpTestClient> targets = new ArrayList<>();
    for (int i = 0; i < 300; i++) {
      var client = clients.get(i % 3);
      targets.add(client);
      requests.add(client.buildStart("parser-" + i));
    }

    long start = System.nanoTime();
    var responses = sendAll(targets, requests);
    double elapsedSeconds = (System.nanoTime() - start) / 1e9;

    // Past the limiter a build start is 202 (running or queued), or 503 when the shared job stores
    // did not answer in time on a busy machine; refused by the limiter is 429. Never a 500.
    assertThat(responses).allSatisfy(r -> assertThat(r.statusCode()).isIn(202, 429, 503));
    long admitted = responses.stream().filter(r -> r.statusCode() != 429).count();
    // build.start: burst 100, refilled at 50/s on the shared bucket for as long as the burst took.
    assertThat(admitted).isBetween(100L, 100L + (long) Math.ceil(50 * elapsedSeconds));
  }

  @Test
  void thirdPartyFloodOnOneReplicaIsFeltOnTheOthers() {
    // Drain customer-123's bucket (10/s, burst 20) through the first replica.
    var first = clients.get(0);
    int parser = 0;
    while (first.send(first.buildStart("p-" + parser++).header("X-Third-Party-ID", "customer-123")).statusCode() != 429) {
      assertThat(parser).as("the bucket drains").isLessThan(200);
    }
    long drained = System.nanoTime();

    // The others see the same empty bucket: they admit only what refilled since, never a fresh burst.
    int admittedElsewhere = 0;
    for (int i = 0; i < 10; i++) {
      var client = clients.get(1 + i % 2);
      var response = client.send(client.buildStart("q-" + i).header("X-Third-Party-ID", "customer-123"));
      if (response.statusCode() == 202) {
        admittedElsewhere++;
      } else {
        assertThat(json(response).get("reason").asText()).isEqualTo("third_party");
      }
    }
    double elapsedSeconds = (System.nanoTime() - drained) / 1e9;
    assertThat(admittedElsewhere).isLessThanOrEqualTo((int) Math.ceil(10 * elapsedSeconds));
    assertThat(admittedElsewhere).isLessThan(10);

    var other = clients.get(2).send(clients.get(2).buildStart("r-1").header("X-Third-Party-ID", "customer-456"));
    assertThat(other.statusCode()).isEqualTo(202);
  }

  private static List<HttpResponse<String>> sendAll(
      List<HttpTestClient> targets, List<HttpRequest.Builder> requests) {
    List<CompletableFuture<List<HttpResponse<String>>>> perClient = new ArrayList<>();
    for (int c = 0; c < 3; c++) {
      List<HttpRequest.Builder> mine = new ArrayList<>();
      HttpTestClient client = null;
      for (int i = c; i < requests.size(); i += 3) {
        mine.add(requests.get(i));
        client = targets.get(i);
      }
      HttpTestClient target = client;
      perClient.add(CompletableFuture.supplyAsync(() -> target.sendConcurrently(mine)));
    }
    List<HttpResponse<String>> all = new ArrayList<>();
    perClient.forEach(f -> all.addAll(f.join()));
    return all;
  }
}
