package network.notifi.sluice.api.redis;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.api.admin.AdminToken;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A limit changed through one replica's admin API reaches every replica through a real Redis Cluster,
 * and the shared buckets take it. Buckets on a clock that stands still, so token counts are exact.
 */
class RuntimeLimitsAcrossReplicasTest {

  private static final String TOKEN = "admin-token-for-this-test";

  private final ManualClock clock = new ManualClock();
  private final List<SluiceApp> replicas = new ArrayList<>();
  private SluiceConfig config;
  private Map<String, String> env;

  @BeforeEach
  void start() {
    env = Map.of(AdminToken.VARIABLE, TOKEN);
    config = TestConfigs.config(Map.of(
        "SLUICE_REDIS_MODE", "cluster",
        "SLUICE_REDIS_ADDRESSES", String.join(",", RedisServers.cluster().addresses()),
        // Keys of this test only: the cluster is shared by the whole test run.
        "SLUICE_REDIS_KEY_PREFIX", "t" + System.nanoTime() + ":",
        "SLUICE_REDIS_COMMAND_TIMEOUT", "3s",
        "SLUICE_REDIS_DECISION_TIMEOUT", "5s"));
    startReplica();
    startReplica();
  }

  @AfterEach
  void stop() {
    replicas.forEach(SluiceApp::close);
  }

  private HttpTestClient startReplica() {
    var app = Wiring.build(config, env, clock).start();
    replicas.add(app);
    var admin = new HttpTestClient(app.adminPort());
    await().atMost(Duration.ofSeconds(30)).until(() -> json(admin.get("/admin/limits")).get("version").asLong() >= 1);
    return admin;
  }

  /** The replica's admin port's client. */
  private HttpTestClient admin(int replica) {
    return new HttpTestClient(replicas.get(replica).adminPort());
  }

  /** The replica's public port's client. */
  private HttpTestClient client(int replica) {
    return new HttpTestClient(replicas.get(replica).port());
  }

  @Test
  void aChangeThroughOneReplicaIsAppliedByTheOtherAndTheSharedBucketTakesIt() {
    var a = admin(0);
    var b = client(1);
    var bAdmin = admin(1);
    // Both started with the same file: one version, published once.
    assertThat(json(bAdmin.get("/admin/limits")).get("version").asLong()).isEqualTo(1);
    for (int i = 0; i < 5; i++) {
      assertThat(b.send(b.buildStart("before-" + i)).statusCode()).isEqualTo(202);
    }

    var put = a.send(a.post("/admin/limits")
        .header("Authorization", "Bearer " + TOKEN)
        .PUT(HttpRequest.BodyPublishers.ofString("{\"rate_limiting\": {\"build_start_burst\": 3}}")));
    long changed = System.nanoTime();
    await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .until(() -> json(bAdmin.get("/admin/limits")).get("version").asLong() == 2);
    long seenAfterMillis = (System.nanoTime() - changed) / 1_000_000;
    System.out.println("replica b applied version 2 " + seenAfterMillis + " ms after replica a's PUT answered");

    int admitted = 0;
    while (b.send(b.buildStart("after-" + admitted)).statusCode() == 202) {
      admitted++;
      assertThat(admitted).as("the narrowed bucket refuses").isLessThan(20);
    }

    assertThat(put.statusCode()).isEqualTo(200);
    assertThat(json(bAdmin.get("/admin/limits")).at("/rate_limiting/build_start_burst").asLong()).isEqualTo(3);
    // The shared endpoint bucket held 95 tokens; the change caps them at the new capacity of 3.
    assertThat(admitted).isEqualTo(3);
  }

  @Test
  void aReplicaStartedLaterWithTheSameFileKeepsTheAdminChange() {
    var a = admin(0);
    a.send(a.post("/admin/limits")
        .header("Authorization", "Bearer " + TOKEN)
        .PUT(HttpRequest.BodyPublishers.ofString("{\"rate_limiting\": {\"global_rps\": 7}}")));

    var late = startReplica();

    var limits = json(late.get("/admin/limits"));
    assertThat(limits.get("version").asLong()).isEqualTo(2);
    assertThat(limits.get("source").asText()).isEqualTo("admin");
    assertThat(limits.at("/rate_limiting/global_rps").asLong()).isEqualTo(7);
  }
}
