package network.notifi.sluice.redis;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.redis.RedisBucketStore.HotKeyOptimization;
import network.notifi.sluice.redis.testing.RedisServers;
import network.notifi.sluice.redis.testing.Resp;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.redisson.api.RRateLimiter;
import org.redisson.api.RateType;
import org.redisson.api.RedissonClient;

/**
 * Measurements on the shared test cluster, all in one run. Not a test: run it with
 *
 * <pre>
 * mvn -B -q -pl redis -am test -Dsluice.bench=true -Dtest=RedisLimiterBenchmark -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * Results go to stdout and {@code redis/target/benchmarks.txt}. Load generator, Redis and JVM share
 * the machine's cores, so figures are relative baselines.
 */
@EnabledIfSystemProperty(named = "sluice.bench", matches = "true")
class RedisLimiterBenchmark {

  private static final Duration RUN = Duration.ofSeconds(Long.getLong("sluice.bench.seconds", 4));
  private final List<String> report = new ArrayList<>();

  @Test
  @Timeout(value = 15, unit = TimeUnit.MINUTES)
  void measure() throws Exception {
    RedisServers.cluster();
    line("load average at start: " + loadAverage());
    line("cluster: 3 masters + 3 replicas on loopback, redis-server " + RedisServers.binary()
        + "; run " + RUN.toSeconds() + " s each; cores " + Runtime.getRuntime().availableProcessors());
    var clients = List.of(SharedClients.cluster(), RedisClients.create(SharedClients.clusterConfig()),
        RedisClients.create(SharedClients.clusterConfig()));

    hotKey(clients);
    overshoot(clients);
    for (int inFlight : new int[] {1, 4, 16, 64}) {
      threeLevels(clients.get(0), inFlight);
      rRateLimiter(clients.get(0), inFlight);
    }
    memory();

    line("");
    line("load average at end: " + loadAverage());
    clients.subList(1, clients.size()).forEach(RedissonClient::shutdown);
    Files.writeString(Path.of("target/benchmarks.txt"), String.join("\n", report) + "\n");
  }

  /** One hot key (the global bucket) from 3 replicas, 64 decisions in flight in all. */
  private void hotKey(List<RedissonClient> clients) {
    line("");
    line("## Hot key: global bucket, 3 replicas (3 Redisson clients), 64 in flight, limit never reached");
    for (HotKeyOptimization opt : HotKeyOptimization.values()) {
      String prefix = "bench" + System.nanoTime() + ":";
      List<RedisBucketStore> stores = stores(clients, prefix, opt);
      var limit = Limit.of(100_000_000, 100_000_000);
      var i = new AtomicLong();
      Result r = run(64, () -> stores.get((int) (i.getAndIncrement() % 3)).tryConsume(BucketKey.GLOBAL, limit, 1));
      long cas = stores.stream().mapToLong(RedisBucketStore::casAttempts).sum();
      line(String.format(Locale.ROOT, "%-10s %s, CAS attempts per decision %.3f", opt, r, (double) cas / r.ops));
    }
  }

  /**
   * Over-admission on a hot key: 3 replicas hammer a bucket of burst 100 refilling 100/s; allowed is
   * burst + rate × elapsed.
   */
  private void overshoot(List<RedissonClient> clients) {
    line("");
    line("## Overshoot: global limit 100/s burst 100, 3 replicas, 64 in flight, admitted vs allowed");
    for (HotKeyOptimization opt : HotKeyOptimization.values()) {
      String prefix = "bench" + System.nanoTime() + ":";
      List<RedisBucketStore> stores = stores(clients, prefix, opt);
      var limit = Limit.of(100, 100);
      var admitted = new AtomicLong();
      var i = new AtomicLong();
      long start = System.nanoTime();
      Result r = run(64, () -> stores.get((int) (i.getAndIncrement() % 3)).tryConsume(BucketKey.GLOBAL, limit, 1)
          .thenApply(p -> {
            if (p.consumed()) {
              admitted.incrementAndGet();
            }
            return p;
          }));
      double seconds = (System.nanoTime() - start) / 1e9;
      long allowed = 100 + (long) (100 * seconds);
      line(String.format(Locale.ROOT, "%-10s admitted %d, allowed %d, overshoot %d (%.1f %%), %d decisions",
          opt, admitted.get(), allowed, admitted.get() - allowed,
          100.0 * (admitted.get() - allowed) / allowed, r.ops));
    }
  }

  /** The three-level decision (third party, endpoint, global) over 1,000 active third parties. */
  private void threeLevels(RedissonClient client, int inFlight) {
    line("");
    line("## Three-level decision, 1,000 third parties, batching, " + inFlight + " in flight, one replica");
    String prefix = "bench" + System.nanoTime() + ":";
    var store = RedisBucketStore.builder(client).keyPrefix(prefix).build();
    var config = new LimiterConfig(Limit.of(100_000_000, 100_000_000),
        Map.of("build.start", Limit.of(100_000_000, 100_000_000)), Limit.of(1_000_000, 1_000_000),
        AnonymousPolicy.SKIP);
    var limiter = MultiLevelLimiter.of(config, store);
    Result r = run(inFlight, () -> limiter.decide(
        RateRequest.of("build.start", "tp-" + ThreadLocalRandom.current().nextInt(1_000))));
    line("sluice     " + r);
  }

  /** The same workload through Redisson's RRateLimiter: one limiter per level, acquired in turn. */
  private void rRateLimiter(RedissonClient client, int inFlight) {
    line("");
    line("## Same workload through Redisson RRateLimiter (3 tryAcquire per decision), " + inFlight + " in flight");
    String prefix = "benchrrl" + System.nanoTime() + ":";
    RRateLimiter global = limiter(client, prefix + "{global}", 100_000_000);
    RRateLimiter endpoint = limiter(client, prefix + "{ep:build.start}", 100_000_000);
    List<RRateLimiter> thirdParties = new ArrayList<>();
    for (int i = 0; i < 1_000; i++) {
      thirdParties.add(limiter(client, prefix + "{tp:tp-" + i + "}", 1_000_000));
    }
    Result r = run(inFlight, () -> thirdParties.get(ThreadLocalRandom.current().nextInt(1_000)).tryAcquireAsync()
        .thenCompose(ok -> endpoint.tryAcquireAsync())
        .thenCompose(ok -> global.tryAcquireAsync()));
    line("rratelimiter " + r);
  }

  private static RRateLimiter limiter(RedissonClient client, String name, long rate) {
    RRateLimiter limiter = client.getRateLimiter(name);
    limiter.trySetRate(RateType.OVERALL, rate, Duration.ofSeconds(1), Duration.ofMinutes(5));
    return limiter;
  }

  /** Redis memory per 1,000 idle third-party buckets, on a standalone server of its own. */
  private void memory() {
    line("");
    line("## Memory: 1,000 idle third-party buckets on an empty standalone server");
    var server = RedisServers.newStandalone();
    var config = RedisConfig.defaults().withServers(RedisConfig.Mode.STANDALONE, List.of(server.hostAndPort()));
    RedissonClient client = RedisClients.create(config);
    try {
      var store = RedisBucketStore.builder(client).clock(EpochNanoClock.system()).build();
      long before = usedMemory(server.port());
      for (int i = 0; i < 1_000; i++) {
        store.tryConsume(BucketKey.thirdParty("customer-" + i), Limit.of(10, 20), 1).join();
      }
      long after = usedMemory(server.port());
      Object usage = Resp.call(server.port(), "MEMORY", "USAGE", store.redisKey(BucketKey.thirdParty("customer-1")));
      line(String.format(Locale.ROOT, "used_memory +%d bytes for 1,000 buckets (%.0f bytes each); MEMORY USAGE of one key %s",
          after - before, (after - before) / 1000.0, usage));
    } finally {
      client.shutdown();
      server.kill();
    }
  }

  private static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).trim();
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static long usedMemory(int port) {
    return Resp.string(port, "INFO", "memory").lines()
        .filter(l -> l.startsWith("used_memory:"))
        .mapToLong(l -> Long.parseLong(l.substring("used_memory:".length()).trim()))
        .findFirst()
        .orElseThrow();
  }

  private static List<RedisBucketStore> stores(List<RedissonClient> clients, String prefix, HotKeyOptimization opt) {
    return clients.stream()
        .map(c -> RedisBucketStore.builder(c).keyPrefix(prefix).hotKeys(opt).clock(EpochNanoClock.system()).build())
        .toList();
  }

  record Result(long ops, double perSecond, double p50Micros, double p99Micros, long failures) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%,.0f decisions/s, p50 %.0f µs, p99 %.0f µs, %d failed",
          perSecond, p50Micros, p99Micros, failures);
    }
  }

  /** Keeps {@code inFlight} operations running for {@link #RUN} (after 1 s of warm-up). */
  private static Result run(int inFlight, Supplier<CompletionStage<?>> op) {
    drive(inFlight, op, Duration.ofSeconds(1), new long[0]);
    long[] samples = new long[4_000_000];
    long[] counts = drive(inFlight, op, RUN, samples);
    long ops = counts[0];
    long[] lat = Arrays.copyOf(samples, (int) Math.min(ops, samples.length));
    Arrays.sort(lat);
    double p50 = lat.length == 0 ? 0 : lat[lat.length / 2] / 1e3;
    double p99 = lat.length == 0 ? 0 : lat[(int) (lat.length * 0.99)] / 1e3;
    return new Result(ops, ops / (counts[2] / 1e9), p50, p99, counts[1]);
  }

  private static long[] drive(int inFlight, Supplier<CompletionStage<?>> op, Duration duration, long[] samples) {
    var permits = new Semaphore(inFlight);
    var done = new AtomicLong();
    var failed = new AtomicLong();
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    while (System.nanoTime() < end) {
      permits.acquireUninterruptibly();
      long t0 = System.nanoTime();
      CompletionStage<?> stage;
      try {
        stage = op.get();
      } catch (RuntimeException e) {
        stage = CompletableFuture.failedFuture(e);
      }
      stage.whenComplete((v, e) -> {
        long n = done.getAndIncrement();
        if (n < samples.length) {
          samples[(int) n] = System.nanoTime() - t0;
        }
        if (e != null) {
          failed.incrementAndGet();
        }
        permits.release();
      });
    }
    permits.acquireUninterruptibly(inFlight);
    return new long[] {done.get(), failed.get(), System.nanoTime() - start};
  }

  private void line(String s) {
    System.out.println(s);
    report.add(s);
  }
}
