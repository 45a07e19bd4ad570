package network.notifi.sluice.redis;

import com.github.benmanes.caffeine.cache.Cache;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.reflect.Field;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.LongFunction;
import java.util.stream.IntStream;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.AdmissionAttempt;
import network.notifi.sluice.jobs.spi.AdmissionStep;
import network.notifi.sluice.jobs.spi.BuildQueue;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobListener;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.QueuedBuild;
import network.notifi.sluice.jobs.spi.SlotLimits;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.redis.ClosedLoop.Result;
import network.notifi.sluice.redis.internal.CasProxyManager;
import network.notifi.sluice.redis.internal.LuaResource;
import network.notifi.sluice.redis.jobs.RedisJobStores;
import network.notifi.sluice.redis.testing.RedisCluster;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.RedisServers;
import network.notifi.sluice.redis.testing.Resp;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.openjdk.jol.info.GraphLayout;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * The measurements behind docs/scale-out.md, on a Redis Cluster of its own (3 masters + 3 replicas
 * on loopback, started by the test fixtures). Not a test: run it with
 *
 * <pre>
 * nice -n 5 mvn -B -q -pl redis -am test -Dsluice.bench=true -Dtest=RedisScaleOutBenchmark \
 *     -Dsurefire.failIfNoSpecifiedTests=false
 * </pre>
 *
 * Results go to {@code redis/target/scale-out.txt} (rewritten after every section). Sections: Redis
 * memory per third-party bucket and the idle key's lifetime; a replica's heap for its remembered
 * states and third-party proxies; commands, CPU and merge factors of the three-level decision; one
 * master's EVALSHA capacity ({@code redis-benchmark}); the global key under several replicas; one
 * namespace's queue; a replica's fixed costs (connections, background commands, dispatcher ticks).
 * Load generator, Redis and JVM share the machine's cores: read CPU per command and ratios, not rates.
 */
@EnabledIfSystemProperty(named = "sluice.bench", matches = "true")
class RedisScaleOutBenchmark {

  private static final int BUCKETS = Integer.getInteger("sluice.bench.buckets", 100_000);
  private static final Duration RUN = Duration.ofSeconds(Long.getLong("sluice.bench.seconds", 5));
  /** The seed's third-party limit: 10/s, burst 20. */
  private static final Limit SEED_THIRD_PARTY = Limit.of(10, 20);
  private static final Limit ROOMY = Limit.of(100_000_000, 100_000_000);
  private static final Path OUT = Path.of("target/scale-out.txt");
  private static final String ADMIT = "a. admit, queued path (admission script)";

  private final List<String> report = new ArrayList<>();
  private RedisCluster cluster;
  private RedissonClient client;
  private int stateBytes = 107;

  @Test
  @Timeout(value = 40, unit = TimeUnit.MINUTES)
  void measure() throws Exception {
    cluster = RedisServers.cluster();
    client = SharedClients.cluster();
    header();
    memoryPerBucket();
    idleKeyLifetime();
    replicaHeap();
    for (int inFlight : new int[] {1, 4, 16, 64}) {
      decisions(inFlight, 1_000, ROOMY, ROOMY);
    }
    // More third parties than a replica remembers: the third-party level reads before it swaps.
    decisions(64, 100_000, ROOMY, ROOMY);
    // The seed's global and endpoint limits: nearly every decision is refused by a shared level.
    decisions(64, 1_000, Limit.of(100, 200), Limit.of(50, 100));
    masterCapacity();
    hotKeyAcrossReplicas();
    namespaceQueue();
    replicaFixedCosts();
    section("End");
    line("load average at end: " + loadAverage() + "; " + Instant.now());
    flush();
  }

  // ---------------------------------------------------------------------------------------------
  // Header

  private void header() {
    line("# Sluice scale-out measurements (RedisScaleOutBenchmark)");
    String dirty = git("status", "--porcelain", "--untracked-files=no").isEmpty() ? "" : " with uncommitted changes";
    line("started " + Instant.now() + ", commit " + git("rev-parse", "--short", "HEAD") + dirty
        + ", load average " + loadAverage());
    String version = Resp.string(cluster.masters().get(0).port(), "INFO", "server").lines()
        .filter(l -> l.startsWith("redis_version:")).findFirst().orElse("redis_version:?").trim();
    line("redis-server " + RedisServers.binary() + " (" + version + "), cluster of 3 masters + 3 replicas on loopback; "
        + Runtime.getRuntime().availableProcessors() + " cores; java " + System.getProperty("java.version")
        + "; timed runs " + RUN.toSeconds() + " s after warm-up");
  }

  // ---------------------------------------------------------------------------------------------
  // 1. Redis memory per bucket

  private void memoryPerBucket() {
    section("1. Redis memory per third-party bucket (" + String.format(Locale.ROOT, "%,d", BUCKETS) + " buckets)");
    // Production's key prefix, so keys have their real length. Idle keys are kept 10 min instead of
    // 10 s so that none expires while the rest are created; the value and the expiry entry are the same.
    var store = SharedClients.storeBuilder(client).keepIdleFull(Duration.ofMinutes(10)).build();
    ClosedLoop.forCount(16, 500, i -> store.tryConsume(BucketKey.thirdParty("warm-" + i), SEED_THIRD_PARTY, 1));
    client.getKeys().deleteByPattern("sluice:rl:{tp:warm-*");
    awaitReplication();
    List<RedisServer> masters = cluster.masters();
    List<RedisServer> replicas = cluster.replicas();
    var masters0 = NodeStats.of(masters);
    var replicas0 = NodeStats.of(replicas);
    line("load average before: " + loadAverage());
    Result created = ClosedLoop.forCount(64, BUCKETS, i -> store.tryConsume(
            BucketKey.thirdParty(customer(i)), SEED_THIRD_PARTY, 1)
        .thenAccept(p -> {
          if (!p.consumed()) {
            throw new IllegalStateException("a new bucket refused its first token");
          }
        }));
    awaitReplication();
    var masterDelta = NodeStats.minus(NodeStats.of(masters), masters0);
    var replicaDelta = NodeStats.minus(NodeStats.of(replicas), replicas0);
    line("created through RedisBucketStore.tryConsume(thirdParty(network.notifi.customer-NNNNNN), 10/s burst 20), "
        + "64 in flight: " + created);
    for (NodeStats d : masterDelta) {
      line(String.format(Locale.ROOT, "  master :%d  keys %+,d  used_memory %+,d B  = %.1f B per key",
          d.port(), d.keys(), d.usedMemory(), (double) d.usedMemory() / Math.max(1, d.keys())));
    }
    long keys = NodeStats.sum(masterDelta, NodeStats::keys);
    long bytes = NodeStats.sum(masterDelta, NodeStats::usedMemory);
    long replicaBytes = NodeStats.sum(replicaDelta, NodeStats::usedMemory);
    line(String.format(Locale.ROOT, "masters: %+,d keys, used_memory %+,d B = %.1f B per bucket; "
            + "replicas: %+,d keys, used_memory %+,d B = %.1f B per bucket",
        keys, bytes, (double) bytes / keys, NodeStats.sum(replicaDelta, NodeStats::keys), replicaBytes,
        (double) replicaBytes / Math.max(1, NodeStats.sum(replicaDelta, NodeStats::keys))));

    long[] usage = new long[1_000];
    long[] pttl = new long[usage.length];
    for (int k = 0; k < usage.length; k++) {
      var bucket = client.getBucket(store.redisKey(BucketKey.thirdParty(customer((long) k * BUCKETS / usage.length))),
          ByteArrayCodec.INSTANCE);
      usage[k] = bucket.sizeInMemory();
      pttl[k] = bucket.remainTimeToLive();
    }
    String sampleKey = store.redisKey(BucketKey.thirdParty(customer(0)));
    stateBytes = (int) client.getBucket(sampleKey, ByteArrayCodec.INSTANCE).size();
    line(String.format(Locale.ROOT,
        "MEMORY USAGE over a sample of %,d keys: %s B; key %s is %d B, its value (STRLEN) %d B",
        usage.length, spread(usage), sampleKey, sampleKey.getBytes(StandardCharsets.UTF_8).length, stateBytes));
    line("PTTL of the sample (kept 10 min for this measurement): " + spread(pttl) + " ms");

    long deleted = client.getKeys().deleteByPattern("sluice:rl:*");
    awaitReplication();
    var afterDelete = NodeStats.minus(NodeStats.of(masters), masters0);
    line(String.format(Locale.ROOT, "deleted %,d keys: masters' used_memory back to %+,d B of the start "
        + "(what the delta above did not attribute to the keys)",
        deleted, NodeStats.sum(afterDelete, NodeStats::usedMemory)));
    flush();
  }

  /** How long a bucket key lives after its last write, with production's expiry (full again + 10 s). */
  private void idleKeyLifetime() throws InterruptedException {
    section("1b. Lifetime of an idle bucket key (production expiry: time to refill to full + 10 s)");
    var store = SharedClients.storeBuilder(client).keyPrefix("ttl:").build();
    List<RedisServer> masters = cluster.masters();
    long baseline = NodeStats.sum(NodeStats.of(masters), NodeStats::keys);
    int n = 1_000;
    long start = System.nanoTime();
    ClosedLoop.forCount(16, n, i -> store.tryConsume(BucketKey.thirdParty(customer(i)), SEED_THIRD_PARTY, 1));
    long written = System.nanoTime();
    long[] pttl = new long[n / 10];
    for (int k = 0; k < pttl.length; k++) {
      pttl[k] = client.getBucket(store.redisKey(BucketKey.thirdParty(customer(k * 10L))), ByteArrayCodec.INSTANCE)
          .remainTimeToLive();
    }
    var drained = BucketKey.thirdParty("drained");
    for (int i = 0; i < 20; i++) {
      store.tryConsume(drained, SEED_THIRD_PARTY, 1).join();
    }
    long drainedPttl = client.getBucket(store.redisKey(drained), ByteArrayCodec.INSTANCE).remainTimeToLive();
    line(String.format(Locale.ROOT, "%,d buckets with one token taken (written within %.2f s): PTTL right after %s ms; "
        + "a bucket drained of its 20 tokens: PTTL %,d ms", n, (written - start) / 1e9, spread(pttl), drainedPttl));
    // Count the keys on the masters without touching them (a read would expire them lazily).
    double firstGone = -1;
    double allButOneGone = -1;
    double allGone = -1;
    while (allGone < 0 && System.nanoTime() - written < Duration.ofSeconds(40).toNanos()) {
      long left = NodeStats.sum(NodeStats.of(masters), NodeStats::keys) - baseline;
      double at = (System.nanoTime() - written) / 1e9;
      if (firstGone < 0 && left < n + 1) {
        firstGone = at;
      }
      if (allButOneGone < 0 && left <= 1) {
        allButOneGone = at;
      }
      if (left <= 0) {
        allGone = at;
      }
      Thread.sleep(100);
    }
    line(String.format(Locale.ROOT, "keys on the masters after the last write (polled every 100 ms, DBSIZE, no reads): "
        + "first one gone at %.1f s, all %,d one-token buckets gone at %.1f s, the drained one gone at %.1f s",
        firstGone, n, allButOneGone, allGone));
    flush();
  }

  // ---------------------------------------------------------------------------------------------
  // 1c. A replica's heap

  private void replicaHeap() throws Exception {
    section("1c. A replica's heap: remembered bucket states (at most 16,384) and third-party proxies (at most 10,000)");
    System.setProperty("jol.magicFieldOffset", "true");
    var store = SharedClients.storeBuilder(client).keyPrefix("heap:").build();
    int n = 20_000;
    Result r = ClosedLoop.forCount(64, n,
        i -> store.tryConsume(BucketKey.thirdParty(customer(i)), SEED_THIRD_PARTY, 1));
    var cas = (CasProxyManager) field(store, "casManager");
    Cache<?, ?> memory = (Cache<?, ?>) field(cas, "memory");
    Cache<?, ?> proxies = (Cache<?, ?>) field(store, "thirdPartyProxies");
    long remembered = memory.estimatedSize();
    long proxied = proxies.estimatedSize();
    line(String.format(Locale.ROOT, "%,d distinct third parties, one decision each: %s; held: %,d remembered states, "
        + "%,d proxies (entries idle past 10 s / 5 s may already have gone)", n, r, remembered, proxied));
    try {
      var layout = GraphLayout.parseInstance(memory);
      line(String.format(Locale.ROOT, "JOL, the remembered states' cache: %,d B in %,d objects = %.0f B per entry",
          layout.totalSize(), layout.totalCount(), (double) layout.totalSize() / remembered));
      layout.toFootprint().lines().filter(l -> !l.isBlank()).forEach(l -> line("  " + l));
    } catch (Throwable e) {
      line("JOL could not walk the cache: " + e);
    }
    long full = usedAfterGc();
    proxies.invalidateAll();
    proxies.cleanUp();
    long withoutProxies = usedAfterGc();
    memory.invalidateAll();
    memory.cleanUp();
    long empty = usedAfterGc();
    double perProxy = (double) (full - withoutProxies) / proxied;
    double perState = (double) (withoutProxies - empty) / remembered;
    line(String.format(Locale.ROOT, "used heap after full GCs: proxies %+,d B = %.0f B each (x 10,000 = %.1f MiB); "
            + "remembered states %+,d B = %.0f B each (x 16,384 = %.1f MiB)",
        full - withoutProxies, perProxy, perProxy * 10_000 / 1048576, withoutProxies - empty, perState,
        perState * 16_384 / 1048576));
    flush();
  }

  // ---------------------------------------------------------------------------------------------
  // 2. Commands, CPU and merge factors per decision

  private void decisions(int inFlight, int parties, Limit global, Limit endpoint) {
    section(String.format(Locale.ROOT, "2. Three-level decision, %,d third parties in turn, global %s, endpoint %s, "
        + "third party roomy, one replica, %d in flight", parties, describe(global), describe(endpoint), inFlight));
    String prefix = "dec" + inFlight + "-" + System.nanoTime() + ":";
    var registry = new SimpleMeterRegistry();
    var store = SharedClients.storeBuilder(client).keyPrefix(prefix).meterRegistry(registry).build();
    var config = new LimiterConfig(global, Map.of("build.start", endpoint), Limit.of(1_000_000, 1_000_000),
        AnonymousPolicy.SKIP);
    var decisionRegistry = new SimpleMeterRegistry();
    var limiter = MultiLevelLimiter.of(config, store, decisionRegistry);
    LongFunction<CompletionStage<?>> op = i -> limiter.decide(RateRequest.of("build.start", "tp-" + (i % parties)));
    ClosedLoop.forTime(inFlight, Duration.ofSeconds(2), op);
    double refused0 = refusals(decisionRegistry);
    List<RedisServer> masters = cluster.masters();
    List<RedisServer> replicas = cluster.replicas();
    var counters0 = LevelCounters.of(registry);
    var masters0 = NodeStats.of(masters);
    var replicas0 = NodeStats.of(replicas);
    String load = loadAverage();
    Result r = ClosedLoop.forTime(inFlight, RUN, op);
    var m = NodeStats.minus(NodeStats.of(masters), masters0);
    var rep = NodeStats.minus(NodeStats.of(replicas), replicas0);
    var counters = LevelCounters.of(registry).minus(counters0);
    double d = r.ops();
    line(String.format(Locale.ROOT, "load average %s; %s; refused %.1f %%", load, r,
        100 * (refusals(decisionRegistry) - refused0) / r.ops()));
    long scripts = NodeStats.sum(m, s -> s.calls("evalsha") + s.calls("eval"));
    long gets = NodeStats.sum(m, s -> s.calls("get"));
    long sets = NodeStats.sum(m, s -> s.calls("set"));
    long topGets = gets - scripts;
    long other = NodeStats.sum(m, NodeStats::allCalls) - scripts - gets - sets;
    double cpu = NodeStats.sumDouble(m, NodeStats::cpu);
    double cpuMain = NodeStats.sumDouble(m, NodeStats::cpuMain);
    line(String.format(Locale.ROOT, "per decision, all masters (commandstats): top-level EVALSHA/EVAL %.3f "
            + "(EVAL %d in all), top-level GET %.3f; inside the script GET %.3f, SET %.3f; other commands %.4f (%s)",
        scripts / d, NodeStats.sum(m, s -> s.calls("eval")), topGets / d, scripts / d, sets / d, other / d,
        otherCommands(m)));
    line(String.format(Locale.ROOT, "masters' CPU: %.1f µs per decision (main thread %.0f %%), %.1f µs per top-level "
            + "command; inside EVALSHA (Redis's own timer) %.2f µs per call; replicas' CPU %.1f µs per decision",
        cpu * 1e6 / d, 100 * cpuMain / Math.max(cpu, 1e-9), cpu * 1e6 / Math.max(1, scripts + topGets),
        (double) NodeStats.sum(m, s -> s.usec("evalsha")) / Math.max(1, NodeStats.sum(m, s -> s.calls("evalsha"))),
        NodeStats.sumDouble(rep, NodeStats::cpu) * 1e6 / d));
    int globalMaster = cluster.masterFor(store.redisKey(BucketKey.GLOBAL)).port();
    int endpointMaster = cluster.masterFor(store.redisKey(BucketKey.endpoint("build.start"))).port();
    for (NodeStats s : m) {
      long masterScripts = s.calls("evalsha") + s.calls("eval");
      line(String.format(Locale.ROOT, "  master :%d%s%s  EVALSHA %.3f, top-level GET %.3f, CPU %.1f µs per decision",
          s.port(), s.port() == globalMaster ? " (global)" : "", s.port() == endpointMaster ? " (endpoint)" : "",
          masterScripts / d, (s.calls("get") - masterScripts) / d, s.cpu() * 1e6 / d));
    }
    line("store's counters per decision (rate_limit_redis_commands_total etc.): " + counters.perDecision(d));
    line(String.format(Locale.ROOT, "merge factor (decisions per CAS): global %.2f, endpoint %.2f, third party %.2f",
        d / Math.max(1, counters.cas(Level.GLOBAL)), d / Math.max(1, counters.cas(Level.ENDPOINT)),
        d / Math.max(1, counters.cas(Level.THIRD_PARTY))));
    flush();
  }

  // ---------------------------------------------------------------------------------------------
  // 3. One master's capacity for the CAS script

  private void masterCapacity() throws Exception {
    section("3. One master's capacity for bucket-cas.lua (redis-benchmark, winning swap: GET + compare + SET PX)");
    Optional<Path> benchmark = onPath("redis-benchmark");
    if (benchmark.isEmpty()) {
      line("redis-benchmark is not on the PATH (Debian package redis-tools): not measured");
      flush();
      return;
    }
    RedisServer master = cluster.masters().get(0);
    int port = master.port();
    String key = null;
    for (int i = 0; key == null; i++) {
      String candidate = "sluice:rl:{tp:capacity-" + i + "}";
      if (cluster.masterFor(candidate).port() == port) {
        key = candidate;
      }
    }
    String sha = Resp.string(port, "SCRIPT", "LOAD", LuaResource.read("bucket-cas.lua"));
    // The value has a real state's length; the swap writes what it expects, so every call wins.
    String state = "x".repeat(stateBytes);
    Resp.call(port, "SET", key, state);
    for (int pipeline : new int[] {1, 16}) {
      int requests = pipeline == 1 ? 200_000 : 1_000_000;
      String load = loadAverage();
      var before = NodeStats.of(port);
      long t0 = System.nanoTime();
      String csv = run(List.of(benchmark.get().toString(), "-h", "127.0.0.1", "-p", Integer.toString(port),
          "-c", "50", "-n", Integer.toString(requests), "-P", Integer.toString(pipeline), "--csv",
          "EVALSHA", sha, "1", key, "1", state, state, "10100"));
      double seconds = (System.nanoTime() - t0) / 1e9;
      var d = NodeStats.of(port).minus(before);
      long calls = d.calls("evalsha");
      String rps = csv.lines().filter(l -> l.startsWith("\"EVALSHA")).map(l -> l.split("\",\"")[1])
          .findFirst().orElse("?");
      line(String.format(Locale.ROOT, "50 connections, pipeline %d, %,d calls in %.1f s (load average %s): "
              + "redis-benchmark %s/s (client on the same cores); master CPU %.2f s = %.2f µs per EVALSHA "
              + "(main thread %.2f µs), inside the script %.2f µs => %,.0f EVALSHA per second of one core",
          pipeline, calls, seconds, load, rps, d.cpu(), d.cpu() * 1e6 / calls, d.cpuMain() * 1e6 / calls,
          (double) d.usec("evalsha") / calls, calls / d.cpuMain()));
    }
    Resp.call(port, "DEL", key);
    flush();
  }

  // ---------------------------------------------------------------------------------------------
  // 4. The global key under several replicas

  private void hotKeyAcrossReplicas() {
    section("4. The global key alone, N replicas (N stores, each its own proxy and memory), 8 in flight each, "
        + "roomy limit");
    RedissonClient second = RedisClients.create(SharedClients.clusterConfig());
    try {
      var clients = List.of(client, second);
      var alone = SharedClients.storeBuilder(client).keyPrefix("rtt-" + System.nanoTime() + ":").build();
      LongFunction<CompletionStage<?>> one = i -> alone.tryConsume(BucketKey.GLOBAL, ROOMY, 1);
      ClosedLoop.forTime(1, Duration.ofSeconds(1), one);
      line("one replica, 1 in flight (one CAS round trip per decision): load " + loadAverage() + "; "
          + ClosedLoop.forTime(1, RUN, one));
      for (int n : new int[] {1, 2, 4, 8, 16}) {
        String prefix = "hot" + n + "-" + System.nanoTime() + ":";
        var registry = new SimpleMeterRegistry();
        List<RedisBucketStore> stores = IntStream.range(0, n)
            .mapToObj(k -> SharedClients.storeBuilder(clients.get(k % 2))
                .keyPrefix(prefix).meterRegistry(registry).build())
            .toList();
        LongFunction<CompletionStage<?>> op = i -> stores.get((int) (i % n)).tryConsume(BucketKey.GLOBAL, ROOMY, 1);
        ClosedLoop.forTime(8 * n, Duration.ofSeconds(1), op);
        RedisServer master = cluster.masterFor(stores.get(0).redisKey(BucketKey.GLOBAL));
        var counters0 = LevelCounters.of(registry);
        var before = NodeStats.of(master.port());
        String load = loadAverage();
        Result r = ClosedLoop.forTime(8 * n, RUN, op);
        var d = NodeStats.of(master.port()).minus(before);
        var c = LevelCounters.of(registry).minus(counters0);
        double cas = c.cas(Level.GLOBAL);
        line(String.format(Locale.ROOT, "%2d replicas (load %s): %s; %.2f decisions per CAS, %.2f of CAS lost, "
                + "%,.0f swaps won/s, %.3f GET per decision; global master CPU %.1f µs per decision, %.1f µs per "
                + "EVALSHA, %,.0f EVALSHA/s",
            n, load, r, r.ops() / Math.max(1, cas), c.conflicts(Level.GLOBAL) / Math.max(1, cas),
            (cas - c.conflicts(Level.GLOBAL)) / r.seconds(), c.gets(Level.GLOBAL) / r.ops(), d.cpu() * 1e6 / r.ops(),
            d.cpu() * 1e6 / Math.max(1, d.calls("evalsha")), d.calls("evalsha") / r.seconds()));
      }
    } finally {
      second.shutdown();
    }
    flush();
  }

  // ---------------------------------------------------------------------------------------------
  // 5. One namespace's queue

  private void namespaceQueue() throws Exception {
    section("5. One namespace's queue (jobs.queue_max_depth 1,000 = the default), 16 in flight");
    for (int lines : new int[] {1, 1_000}) {
      String prefix = "q" + lines + "-" + System.nanoTime() + ":";
      JobStores stores = RedisJobStores.create(client, RedisConfig.defaults().withKeyPrefix(prefix), Clock.systemUTC());
      String ns = "bench";
      RedisServer master = cluster.masterFor(prefix + "jobs:{jobs}:ns:" + ns + ":queue");
      line("third-party lines: " + lines + "; the namespace's keys are all on master :" + master.port());
      var queueing = new QueuePhases(stores, ns, lines, prefix);
      queueing.warmUp();
      Map<String, Phase> phases = new TreeMap<>();
      for (int cycle = 0; cycle < 5; cycle++) {
        measure(phases, ADMIT, master, 1_000, queueing::admit);
        if (cycle == 0) {
          line(String.format(Locale.ROOT, "  memory of 1,000 builds queued by the admission step on the "
              + "namespace's master: %.0f B each", phases.get(ADMIT).memory / 1_000.0));
        }
        measure(phases, "c. claim + ack", master, 1_000, queueing::claimAndAck);
        measure(phases, "b. enqueue (BuildQueue.enqueue)", master, 1_000, queueing::enqueue);
        measure(phases, "c. claim + ack", master, 1_000, queueing::claimAndAck);
      }
      phases.forEach((name, p) -> line("  " + name + ": " + p));
      try (var monitor = CommandMonitor.start(cluster.masters())) {
        var top = new TreeMap<String, Long>();
        var inner = new TreeMap<String, Long>();
        for (String phase : List.of("admit", "claim+ack")) {
          var top0 = monitor.topLevel();
          var inner0 = monitor.inScripts();
          ClosedLoop.forCount(16, 1_000, phase.equals("admit") ? queueing::admit : queueing::claimAndAck);
          Thread.sleep(300);
          top.put(phase, CommandMonitor.total(monitor.topLevel()) - CommandMonitor.total(top0));
          inner.put(phase, CommandMonitor.total(monitor.inScripts()) - CommandMonitor.total(inner0));
        }
        line(String.format(Locale.ROOT, "  MONITOR, one more cycle: admit %.2f top-level commands + %.1f inside "
                + "scripts per build; claim + ack %.2f top-level + %.1f inside scripts per build",
            top.get("admit") / 1_000.0, inner.get("admit") / 1_000.0, top.get("claim+ack") / 1_000.0,
            inner.get("claim+ack") / 1_000.0));
      }
    }
    flush();
  }

  private void measure(Map<String, Phase> phases, String name, RedisServer master, int ops,
      LongFunction<CompletionStage<?>> op) {
    var before = NodeStats.of(master.port());
    Result r = ClosedLoop.forCount(16, ops, op);
    var d = NodeStats.of(master.port()).minus(before);
    phases.computeIfAbsent(name, k -> new Phase()).add(r, d);
  }

  /** Accumulated figures of one queue phase over several cycles, on the namespace's master. */
  private static final class Phase {
    long ops;
    double seconds;
    double cpu;
    long scripts;
    long scriptUsec;
    long calls;
    long memory;
    long failures;
    final List<String> loads = new ArrayList<>();

    void add(Result r, NodeStats d) {
      if (ops == 0) {
        memory = d.usedMemory();
      }
      ops += r.ops();
      seconds += r.seconds();
      failures += r.failures();
      cpu += d.cpu();
      scripts += d.calls("evalsha") + d.calls("eval");
      scriptUsec += d.usec("evalsha") + d.usec("eval");
      calls += d.allCalls();
      loads.add(loadAverage().split(" ")[0]);
    }

    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%,d ops, %,.0f/s, %d failed; master CPU %.1f µs per op "
              + "(=> %,.0f ops per second of one core), scripts %.2f per op at %.1f µs inside Redis each "
              + "(wall clock), %.1f commands counted per op (commandstats, scripts' inner ones included); "
              + "1-min load %s",
          ops, ops / seconds, failures, cpu * 1e6 / ops, ops / cpu, (double) scripts / ops,
          (double) scriptUsec / Math.max(1, scripts), (double) calls / ops, String.join("/", loads));
    }
  }

  /** The queue's operations for one namespace, with fresh build ids and parsers for every call. */
  private static final class QueuePhases {
    private final JobStores stores;
    private final String ns;
    private final int lines;
    private final String tag;
    private long next;

    QueuePhases(JobStores stores, String ns, int lines, String tag) {
      this.stores = stores;
      this.ns = ns;
      this.lines = lines;
      this.tag = tag;
    }

    void warmUp() {
      ClosedLoop.forCount(16, 200, this::admit);
      ClosedLoop.forCount(16, 200, this::claimAndAck);
    }

    private Optional<String> thirdParty(long i) {
      return lines == 1 ? Optional.empty() : Optional.of("tp-" + (i % lines));
    }

    CompletionStage<?> admit(long ignored) {
      long i = next++;
      var build = Build.queued(tag + "b" + i, "parser-" + i, ns, thirdParty(i), Instant.now());
      var attempt = new AdmissionAttempt(build, SlotLimits.ofNamespace(10), false, true, 1_000, Duration.ofSeconds(30),
          Duration.ofMinutes(10));
      return stores.admissions().admit(attempt).thenAccept(step -> {
        if (!(step instanceof AdmissionStep.Queued)) {
          throw new IllegalStateException("not queued: " + step);
        }
      });
    }

    CompletionStage<?> enqueue(long ignored) {
      long i = next++;
      var entry = new QueuedBuild(tag + "b" + i, ns, "parser-" + i, thirdParty(i), Instant.now());
      return stores.queue().enqueue(entry, 1_000).thenAccept(e -> {
        if (!e.accepted()) {
          throw new IllegalStateException("queue full");
        }
      });
    }

    CompletionStage<?> claimAndAck(long i) {
      BuildQueue queue = stores.queue();
      return queue.claim(ns, "dispatcher-" + (i % 16), Duration.ofSeconds(30), SlotLimits.ofNamespace(1_000))
          .thenCompose(claim -> claim.isPresent()
          ? queue.ack(claim.get())
          : CompletableFuture.failedFuture(new IllegalStateException("nothing to claim")));
    }
  }

  // ---------------------------------------------------------------------------------------------
  // 6. A replica's fixed costs

  private void replicaFixedCosts() throws Exception {
    section("6. A replica's fixed costs: connections, background commands, dispatcher ticks");
    List<RedisServer> masters = cluster.masters();
    Map<String, Long> baseline;
    try (var monitor = CommandMonitor.start(cluster.nodes())) {
      Thread.sleep(10_000);
      baseline = monitor.topLevel();
    }
    var before = NodeStats.of(masters);
    var config = SharedClients.clusterConfig().withKeyPrefix("idle:");
    try (var replica = new IdleReplica(config)) {
      Thread.sleep(2_000);
      var d = NodeStats.minus(NodeStats.of(masters), before);
      line(String.format(Locale.ROOT, "one more replica (client, clock, heartbeat, store): connections per master %s, "
              + "used_memory per master %s B",
          d.stream().map(s -> Long.toString(s.clients())).toList(),
          d.stream().map(s -> Long.toString(s.usedMemory())).toList()));
      Map<String, Long> withReplica;
      try (var monitor = CommandMonitor.start(cluster.nodes())) {
        Thread.sleep(10_000);
        withReplica = monitor.topLevel();
      }
      Map<String, Double> perSecond = new TreeMap<>();
      withReplica.forEach((k, v) -> perSecond.put(k, (v - baseline.getOrDefault(k, 0L)) / 10.0));
      line("background commands of one idle replica, per second, all 6 nodes (MONITOR, 10 s, minus 10 s without it): "
          + perSecond);
    }
    for (int extra : new int[] {0, 9}) {
      Map<String, Integer> limits = new HashMap<>();
      for (int i = 0; i < extra; i++) {
        limits.put("ns-" + i, 10);
      }
      var stores = RedisJobStores.create(client, RedisConfig.defaults().withKeyPrefix("tick" + extra + ":"),
          Clock.systemUTC());
      var config2 = JobsConfig.defaults().withNamespaceLimits(limits);
      try (var admission = BuildAdmission.create(config2, stores, new IdleLauncher(), Clock.systemUTC(),
          new SimpleMeterRegistry())) {
        admission.tick().join();
        int ticks = 20;
        Map<String, Long> counts;
        try (var monitor = CommandMonitor.start(masters)) {
          for (int t = 0; t < ticks; t++) {
            admission.tick().join();
          }
          Thread.sleep(200);
          counts = monitor.topLevel();
        }
        Map<String, Double> perTick = new TreeMap<>();
        counts.forEach((k, v) -> perTick.put(k, v / (double) ticks));
        line(String.format(Locale.ROOT,
            "dispatcher tick, idle, %d configured namespaces: %.1f top-level commands per tick %s",
            extra + 1, CommandMonitor.total(counts) / (double) ticks, perTick));
      }
    }
    flush();
  }

  /** A launcher that is never asked to launch (the dispatcher only ticks over empty queues). */
  private static final class IdleLauncher implements JobLauncher {
    @Override
    public void addListener(JobListener listener) {}

    @Override
    public CompletableFuture<Void> launch(Build build) {
      return CompletableFuture.failedFuture(new UnsupportedOperationException("not in this benchmark"));
    }

    @Override
    public CompletableFuture<Boolean> cancel(String namespace, String buildId) {
      return CompletableFuture.completedFuture(false);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Helpers

  /** The store's counters per level: commands (get, cas), lost swaps, reads from memory. */
  private record LevelCounters(Map<String, Double> values) {
    static LevelCounters of(MeterRegistry registry) {
      Map<String, Double> v = new HashMap<>();
      for (Level level : Level.values()) {
        v.put(level.code() + ".get", count(registry, "rate_limit_redis_commands", level, "get"));
        v.put(level.code() + ".cas", count(registry, "rate_limit_redis_commands", level, "cas"));
        v.put(level.code() + ".conflicts", count(registry, "rate_limit_redis_cas_conflicts", level, null));
        v.put(level.code() + ".remembered", count(registry, "rate_limit_remembered_reads", level, null));
      }
      return new LevelCounters(v);
    }

    private static double count(MeterRegistry registry, String name, Level level, String command) {
      var search = registry.find(name).tag("limit_type", level.code());
      Counter c = (command == null ? search : search.tag("command", command)).counter();
      return c == null ? 0 : c.count();
    }

    LevelCounters minus(LevelCounters before) {
      Map<String, Double> v = new HashMap<>();
      values.forEach((k, x) -> v.put(k, x - before.values.getOrDefault(k, 0.0)));
      return new LevelCounters(v);
    }

    double cas(Level level) {
      return values.get(level.code() + ".cas");
    }

    double gets(Level level) {
      return values.get(level.code() + ".get");
    }

    double conflicts(Level level) {
      return values.get(level.code() + ".conflicts");
    }

    String perDecision(double decisions) {
      var out = new StringBuilder();
      for (Level level : Level.values()) {
        out.append(String.format(Locale.ROOT, "%s: cas %.3f, get %.3f, lost swaps %.3f, reads from memory %.3f; ",
            level.code(), values.get(level.code() + ".cas") / decisions, values.get(level.code() + ".get") / decisions,
            values.get(level.code() + ".conflicts") / decisions, values.get(level.code() + ".remembered") / decisions));
      }
      return out.toString();
    }
  }

  private static String describe(Limit limit) {
    return limit.equals(ROOMY) ? "roomy" : limit.ratePerSecond() + "/s burst " + limit.burst();
  }

  /** Decisions refused so far, at any level ({@code rate_limit_rejected_total}). */
  private static double refusals(MeterRegistry registry) {
    return registry.find("rate_limit_rejected").counters().stream().mapToDouble(Counter::count).sum();
  }

  private static String otherCommands(List<NodeStats> deltas) {
    Map<String, Long> other = new TreeMap<>();
    for (NodeStats s : deltas) {
      s.commands().forEach((name, v) -> {
        if (!List.of("evalsha", "eval", "get", "set", "info", "dbsize").contains(name)) {
          other.merge(name, v[0], Long::sum);
        }
      });
    }
    return other.toString();
  }

  /** Waits until every replica has what its master wrote. */
  private void awaitReplication() {
    long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
    while (System.nanoTime() < deadline) {
      boolean caughtUp = true;
      for (RedisServer master : cluster.masters()) {
        String info = Resp.string(master.port(), "INFO", "replication");
        long offset = info.lines().filter(l -> l.startsWith("master_repl_offset:"))
            .mapToLong(l -> Long.parseLong(l.substring(l.indexOf(':') + 1).trim())).findFirst().orElse(0);
        caughtUp &= info.lines().filter(l -> l.startsWith("slave")).allMatch(l -> l.contains("offset=" + offset + ","));
      }
      if (caughtUp) {
        return;
      }
      sleep(100);
    }
    line("(replicas had not caught up after 60 s)");
  }

  private static String customer(long i) {
    return String.format(Locale.ROOT, "network.notifi.customer-%06d", i);
  }

  private static String spread(long[] values) {
    long[] sorted = values.clone();
    Arrays.sort(sorted);
    return String.format(Locale.ROOT, "min %,d, median %,d, mean %,.1f, max %,d", sorted[0], sorted[sorted.length / 2],
        Arrays.stream(sorted).average().orElse(0), sorted[sorted.length - 1]);
  }

  private static Object field(Object target, String name) throws ReflectiveOperationException {
    Field f = target.getClass().getDeclaredField(name);
    f.setAccessible(true);
    return f.get(target);
  }

  private static long usedAfterGc() {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      sleep(100);
      used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static Optional<Path> onPath(String name) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static String run(List<String> command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException(command.get(0) + " failed: " + out);
    }
    return out;
  }

  private static String git(String... args) {
    try {
      List<String> cmd = new ArrayList<>(List.of("git"));
      cmd.addAll(List.of(args));
      return run(cmd).trim();
    } catch (Exception e) {
      return "unknown";
    }
  }

  private static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split(" ");
      return f[0] + " " + f[1] + " " + f[2];
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private void section(String title) {
    line("");
    line("## " + title);
  }

  private void line(String s) {
    System.out.println(s);
    report.add(s);
  }

  private void flush() {
    try {
      Files.writeString(OUT, String.join("\n", report) + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The Redis side of one replica's rate limits, as the service wires it, left idle. */
  private static final class IdleReplica implements AutoCloseable {
    private final RedissonClient client;
    private final RedisTimeClock clock;
    private final ReplicaHeartbeat heartbeat;
    private final DegradingBucketStore store;

    IdleReplica(RedisConfig config) {
      client = RedisClients.create(config);
      clock = RedisTimeClock.start(client, config);
      heartbeat = ReplicaHeartbeat.start(client, config, "idle-replica", clock);
      store = DegradingBucketStore.create(RedisBucketStore.create(client, config, clock), config,
          heartbeat::liveReplicas, clock, new SimpleMeterRegistry());
    }

    @Override
    public void close() {
      store.close();
      heartbeat.close();
      clock.close();
      client.shutdown();
    }
  }
}
