package network.notifi.sluice.benchmarks;

import java.time.Clock;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.SlotLimits;
import network.notifi.sluice.jobs.spi.SlotStore;
import network.notifi.sluice.redis.RedisClients;
import network.notifi.sluice.redis.RedisConfig;
import network.notifi.sluice.redis.jobs.RedisJobStores;
import org.redisson.api.RedissonClient;

/**
 * Latency of the Redis slot store, one caller, sync: slot acquire + release (two scripts) and the
 * active count, p50/p99/p99.9. Not JMH (a percentile of single calls is wanted, not a mean).
 *
 * <pre>
 * java -cp ... network.notifi.sluice.benchmarks.RedisSlotLatency cluster 127.0.0.1:7000,127.0.0.1:7001 [iterations]
 * java -cp ... network.notifi.sluice.benchmarks.RedisSlotLatency standalone 127.0.0.1:6380 [iterations]
 * </pre>
 */
public final class RedisSlotLatency {

  private static final String NS = "bench";

  private RedisSlotLatency() {}

  public static void main(String[] args) {
    if (args.length < 2) {
      System.err.println("usage: RedisSlotLatency cluster|standalone host:port[,host:port...] [iterations]");
      System.exit(2);
    }
    RedisConfig.Mode mode = RedisConfig.Mode.parse(args[0]);
    int iterations = args.length > 2 ? Integer.parseInt(args[2]) : 20_000;
    RedisConfig config = RedisConfig.defaults()
        .withServers(mode, RedisConfig.parseAddresses(args[1]))
        .withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(6))
        .withKeyPrefix("bench-" + System.nanoTime() + ":");
    RedissonClient client = RedisClients.create(config);
    try {
      JobStores stores = RedisJobStores.create(client, config, Clock.systemUTC());
      SlotStore slots = stores.slots();
      // Nine other leases held throughout, so each acquire checks a realistic, nearly full set.
      for (int i = 0; i < 9; i++) {
        slots.acquire(NS, "held-" + i, Optional.empty(), SlotLimits.ofNamespace(10), Duration.ofMinutes(10)).join();
      }
      run(slots, iterations / 10, false);
      long[] acquireRelease = run(slots, iterations, false);
      long[] active = run(slots, iterations, true);
      System.out.println("mode=" + mode + " iterations=" + iterations);
      print("acquire+release", acquireRelease);
      print("active", active);
    } finally {
      client.shutdown();
    }
  }

  private static long[] run(SlotStore slots, int iterations, boolean activeOnly) {
    long[] nanos = new long[iterations];
    for (int i = 0; i < iterations; i++) {
      long start = System.nanoTime();
      if (activeOnly) {
        slots.active(NS).join();
      } else {
        String id = "b-" + i;
        var acquisition = slots.acquire(NS, id, Optional.empty(), SlotLimits.ofNamespace(10), Duration.ofSeconds(30));
        if (!acquisition.join().acquired()) {
          throw new IllegalStateException("no free slot: another caller uses namespace " + NS);
        }
        slots.release(NS, id).join();
      }
      nanos[i] = System.nanoTime() - start;
    }
    return nanos;
  }

  private static void print(String what, long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    System.out.println(String.format(Locale.ROOT, "%-16s p50 %7.1f us  p99 %7.1f us  p99.9 %7.1f us  max %8.1f us",
        what, us(sorted, 0.50), us(sorted, 0.99), us(sorted, 0.999), sorted[sorted.length - 1] / 1000.0));
  }

  private static double us(long[] sorted, double q) {
    return sorted[(int) Math.min(sorted.length - 1, Math.floor(q * sorted.length))] / 1000.0;
  }
}
