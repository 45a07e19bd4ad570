package network.notifi.sluice.api.redis;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.HashMap;
import java.util.Map;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code redis.hot_key_leases} switched on by configuration, and shown with its bound in {@code /ratelimits}. */
class HotKeyLeasesHttpTest {

  private SluiceApp app;

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
  }

  private SluiceApp start(Map<String, String> more) {
    var env = new HashMap<>(Map.of(
        "SLUICE_REDIS_MODE", "cluster",
        "SLUICE_REDIS_ADDRESSES", String.join(",", RedisServers.cluster().addresses()),
        "SLUICE_REDIS_KEY_PREFIX", "t" + System.nanoTime() + ":",
        "SLUICE_REDIS_COMMAND_TIMEOUT", "3s",
        "SLUICE_REDIS_DECISION_TIMEOUT", "5s",
        "SLUICE_RATE_LIMITING_GLOBAL_RPS", "100",
        "SLUICE_RATE_LIMITING_GLOBAL_BURST", "200"));
    env.putAll(more);
    app = Wiring.build(TestConfigs.config(env), Map.of()).start();
    return app;
  }

  @Test
  void leasedBucketsShowTheirLeaseAndTheMostTheyMayOverAdmit() {
    start(Map.of("SLUICE_REDIS_HOT_KEY_LEASES_TOKENS", "10", "SLUICE_REDIS_HOT_KEY_LEASES_MAX_AGE", "1m"));
    var events = new HttpTestClient(app.port());
    for (int i = 0; i < 3; i++) {
      assertThat(events.send(events.buildStart("leased-parser")).statusCode()).isIn(200, 202);
    }

    JsonNode status = json(new HttpTestClient(app.adminPort()).get("/ratelimits"));

    JsonNode global = status.get("global").get("lease");
    assertThat(global.get("tokens").asLong()).isEqualTo(10);
    assertThat(global.get("max_age_ms").asLong()).isEqualTo(60_000);
    assertThat(global.get("held").asLong()).as("one lease of 10, 3 handed out").isEqualTo(7);
    assertThat(global.get("overshoot_at_most").get("tokens").asLong()).as("100/s x 60 s").isEqualTo(6_000);
    assertThat(global.get("overshoot_at_most").get("plus_per_replica").asLong()).isEqualTo(10);
    assertThat(status.get("endpoints").get("build.start").get("lease").get("held").asLong()).isEqualTo(7);
  }

  @Test
  void withoutTheSettingNothingIsLeased() {
    start(Map.of());
    var events = new HttpTestClient(app.port());
    assertThat(events.send(events.buildStart("exact-parser")).statusCode()).isEqualTo(202);

    JsonNode status = json(new HttpTestClient(app.adminPort()).get("/ratelimits"));

    assertThat(status.get("global").has("lease")).isFalse();
    assertThat(status.get("global").get("available").asLong()).isBetween(199L, 200L);
  }
}
