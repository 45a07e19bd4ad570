package network.notifi.sluice.api.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import network.notifi.sluice.api.MainAccess;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.Test;

class BucketsCommandTest {

  @Test
  void listsTheBucketsInRedisWithTokensCapacityAndTtl() {
    String prefix = "b" + System.nanoTime() + ":";
    var env = Map.of(
        "SLUICE_REDIS_MODE", "standalone",
        "SLUICE_REDIS_ADDRESSES", RedisServers.standalone().hostAndPort(),
        "SLUICE_REDIS_KEY_PREFIX", prefix,
        "SLUICE_REDIS_COMMAND_TIMEOUT", "3s",
        "SLUICE_REDIS_DECISION_TIMEOUT", "5s");
    try (var app = Wiring.build(TestConfigs.config(env), Map.of()).start()) {
      var client = new HttpTestClient(app.port());
      for (int i = 0; i < 3; i++) {
        assertThat(client.send(client.buildStart("p-" + i).header("X-Third-Party-ID", "customer-1")).statusCode())
            .isEqualTo(202);
      }

      var out = new ByteArrayOutputStream();
      int exit = MainAccess.run(new String[] {"buckets", "--pattern", prefix + "rl:*"}, env,
          new PrintStream(out, true, StandardCharsets.UTF_8));

      assertThat(exit).isZero();
      String table = out.toString(StandardCharsets.UTF_8);
      assertThat(table.lines()).anySatisfy(line -> assertThat(line).startsWith("KEY "));
      // Refill at 10/s, 50/s and 100/s may add tokens while the test runs, never above capacity.
      assertThat(row(table, prefix + "rl:{tp:customer-1}")).matches(".*third_party\\s+customer-1\\s+(17|18|19|20)\\s+20\\s+.*");
      assertThat(row(table, prefix + "rl:{ep:build.start}")).matches(".*endpoint\\s+build\\.start\\s+(9[7-9]|100)\\s+100\\s+.*");
      assertThat(row(table, prefix + "rl:{global}")).matches(".*global\\s+global\\s+(19[7-9]|200)\\s+200\\s+.*");
    }
  }

  @Test
  void withoutRedisItSaysWhereTheBucketsAre() {
    var err = new ByteArrayOutputStream();
    int exit = MainAccess.runWithErr(new String[] {"buckets"}, Map.of(), new PrintStream(err, true, StandardCharsets.UTF_8));

    assertThat(exit).isNotZero();
    assertThat(err.toString(StandardCharsets.UTF_8)).contains("buckets needs redis.mode standalone or cluster");
  }

  private static String row(String table, String key) {
    return table.lines().filter(line -> line.startsWith(key + " ")).findFirst()
        .orElseThrow(() -> new AssertionError("no row for " + key + " in\n" + table));
  }
}
