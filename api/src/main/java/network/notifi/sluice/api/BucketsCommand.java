package network.notifi.sluice.api;

import java.io.PrintStream;
import java.util.Optional;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.redis.BucketInspector;
import network.notifi.sluice.redis.RedisClients;
import network.notifi.sluice.redis.RedisConfig;
import network.notifi.sluice.redis.RedisTimeClock;

/**
 * The {@code buckets} command ({@code java -jar sluice.jar buckets [--pattern GLOB] [--config PATH]}):
 * prints the token buckets in Redis as a table and returns the exit code. Blocks; for operators.
 */
final class BucketsCommand {

  private BucketsCommand() {}

  static int list(SluiceConfig config, Optional<String> pattern, PrintStream out, PrintStream err) {
    RedisConfig redis = config.redis();
    if (redis.mode() == RedisConfig.Mode.NONE) {
      err.println("sluice: buckets needs redis.mode standalone or cluster (SLUICE_REDIS_MODE);"
          + " with mode none the buckets live inside the running process: see GET /ratelimits");
      return Main.EXIT_USAGE;
    }
    var client = RedisClients.create(redis);
    try (var clock = RedisTimeClock.start(client, redis)) {
      var inspector = BucketInspector.create(client, redis.keyPrefix(), clock);
      var buckets = pattern.map(inspector::list).orElseGet(inspector::list);
      out.print(BucketInspector.formatTable(buckets));
      out.flush();
      return 0;
    } finally {
      client.shutdown();
    }
  }
}
