package network.notifi.sluice.redis.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import network.notifi.sluice.jobs.spi.Lease;
import network.notifi.sluice.jobs.spi.SlotAcquisition;
import network.notifi.sluice.jobs.spi.SlotStore;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Slots in Redis: per namespace a sorted set {@code build id -> lease deadline (ms)} and a hash of
 * leases dropped as expired but not yet reaped. Acquire, renew, release and reap are one Lua script
 * each, so the limit holds across replicas. Deadlines come from the injected clock, passed into the
 * scripts. Thread-safe; no call blocks.
 */
final class RedisSlotStore implements SlotStore {

  // The functions more than one script uses (the admission step among them). sweep moves leases
  // whose deadline is <= now from the live set to the expired hash; acquire returns acquired 0|1 and
  // the live leases afterwards.
  static final String FUNCTIONS = """
      local function sweep(slots, expired, now)
        local gone = redis.call('ZRANGEBYSCORE', slots, '-inf', now, 'WITHSCORES')
        for i = 1, #gone, 2 do redis.call('HSET', expired, gone[i], gone[i + 1]) end
        if #gone > 0 then redis.call('ZREMRANGEBYSCORE', slots, '-inf', now) end
      end
      local function acquire(slots, expired, now, build, limit, deadline)
        sweep(slots, expired, now)
        local acquired = 0
        if redis.call('ZSCORE', slots, build) or redis.call('ZCARD', slots) < tonumber(limit) then
          redis.call('ZADD', slots, deadline, build)
          acquired = 1
        end
        return acquired, redis.call('ZCARD', slots)
      end
      """;

  // KEYS: slots, expired. ARGV: now, build id, limit, deadline. Returns {acquired 0|1, live leases}.
  private static final LuaScript ACQUIRE = new LuaScript(FUNCTIONS + """
      local acquired, live = acquire(KEYS[1], KEYS[2], ARGV[1], ARGV[2], ARGV[3], ARGV[4])
      return {acquired, live}
      """);

  // ARGV: now, build id, deadline. Returns 1 if renewed.
  private static final LuaScript RENEW = new LuaScript(FUNCTIONS + """
      sweep(KEYS[1], KEYS[2], ARGV[1])
      if redis.call('ZSCORE', KEYS[1], ARGV[2]) then
        redis.call('ZADD', KEYS[1], ARGV[3], ARGV[2])
        return 1
      end
      return 0
      """);

  // ARGV: build id. Returns 1 if a live or expired-unreaped lease was removed.
  private static final LuaScript RELEASE = new LuaScript("""
      return redis.call('ZREM', KEYS[1], ARGV[1]) + redis.call('HDEL', KEYS[2], ARGV[1])
      """);

  // ARGV: now. Returns {build, deadline, ...} of the expired leases, each once.
  private static final LuaScript REAP = new LuaScript(FUNCTIONS + """
      sweep(KEYS[1], KEYS[2], ARGV[1])
      local reaped = redis.call('HGETALL', KEYS[2])
      redis.call('DEL', KEYS[2])
      return reaped
      """);

  // ARGV: now. Returns {build, deadline, ...} of the live leases.
  private static final LuaScript LIVE = new LuaScript("""
      return redis.call('ZRANGEBYSCORE', KEYS[1], '(' .. ARGV[1], '+inf', 'WITHSCORES')
      """);

  // Returns live plus expired-unreaped leases.
  private static final LuaScript HELD = new LuaScript("""
      return redis.call('ZCARD', KEYS[1]) + redis.call('HLEN', KEYS[2])
      """);

  private final RedissonClient client;
  private final JobKeys keys;
  private final Clock clock;
  private final Set<String> indexed = ConcurrentHashMap.newKeySet();

  RedisSlotStore(RedissonClient client, JobKeys keys, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  private List<Object> keysOf(String namespace) {
    return List.of(keys.slots(namespace), keys.expiredSlots(namespace));
  }

  @Override
  public CompletableFuture<SlotAcquisition> acquire(
      String namespace, String buildId, int limit, Duration leaseDuration) {
    long now = clock.millis();
    CompletableFuture<List<Long>> reply = ACQUIRE.run(client, ReturnType.LIST, keysOf(namespace),
        Long.toString(now), buildId, Integer.toString(limit), Long.toString(now + leaseDuration.toMillis()));
    return index(namespace).thenCombine(reply,
        (ignored, r) -> new SlotAcquisition(r.get(0) == 1L, r.get(1).intValue()));
  }

  @Override
  public CompletableFuture<Boolean> renew(String namespace, String buildId, Duration leaseDuration) {
    long now = clock.millis();
    CompletableFuture<Long> reply = RENEW.run(client, ReturnType.LONG, keysOf(namespace),
        Long.toString(now), buildId, Long.toString(now + leaseDuration.toMillis()));
    return reply.thenApply(r -> r == 1L);
  }

  @Override
  public CompletableFuture<Boolean> release(String namespace, String buildId) {
    CompletableFuture<Long> reply = RELEASE.run(client, ReturnType.LONG, keysOf(namespace), buildId);
    return reply.thenApply(r -> r > 0);
  }

  @Override
  public CompletableFuture<Integer> active(String namespace) {
    return client.getScoredSortedSet(keys.slots(namespace), StringCodec.INSTANCE)
        .countAsync(clock.millis(), false, Double.POSITIVE_INFINITY, true)
        .toCompletableFuture();
  }

  @Override
  public CompletableFuture<List<Lease>> leases(String namespace) {
    CompletableFuture<List<Object>> reply =
        LIVE.run(client, ReturnType.LIST, keysOf(namespace), Long.toString(clock.millis()));
    return reply.thenApply(r -> toLeases(namespace, r));
  }

  @Override
  public CompletableFuture<Optional<Lease>> lease(String namespace, String buildId) {
    long now = clock.millis();
    return client.getScoredSortedSet(keys.slots(namespace), StringCodec.INSTANCE)
        .getScoreAsync(buildId)
        .toCompletableFuture()
        .thenApply(deadline -> deadline == null || deadline.longValue() <= now
            ? Optional.<Lease>empty()
            : Optional.of(new Lease(namespace, buildId, Instant.ofEpochMilli(deadline.longValue()))));
  }

  @Override
  public CompletableFuture<List<Lease>> reapExpired(String namespace) {
    CompletableFuture<List<Object>> reply =
        REAP.run(client, ReturnType.LIST, keysOf(namespace), Long.toString(clock.millis()));
    return reply.thenApply(r -> toLeases(namespace, r));
  }

  @Override
  public CompletableFuture<Set<String>> namespaces() {
    return client.<String>getSet(keys.namespaces("slots"), StringCodec.INSTANCE)
        .readAllAsync()
        .toCompletableFuture()
        .thenCompose(all -> {
          List<String> names = new ArrayList<>(all);
          List<CompletableFuture<Long>> held = new ArrayList<>();
          for (String ns : names) {
            held.add(HELD.run(client, ReturnType.LONG, keysOf(ns)));
          }
          return CompletableFuture.allOf(held.toArray(CompletableFuture[]::new)).thenApply(done -> {
            Set<String> holding = new TreeSet<>();
            for (int i = 0; i < names.size(); i++) {
              if (held.get(i).join() > 0) {
                holding.add(names.get(i));
              }
            }
            return holding;
          });
        });
  }

  /** Adds the namespace to the index once per store; the index only grows (namespaces are config). */
  CompletableFuture<Void> index(String namespace) {
    if (indexed.contains(namespace)) {
      return CompletableFuture.completedFuture(null);
    }
    return client.<String>getSet(keys.namespaces("slots"), StringCodec.INSTANCE)
        .addAsync(namespace)
        .toCompletableFuture()
        .thenAccept(added -> indexed.add(namespace))
        // A missed index write is retried by the next call; it must not fail the caller's operation.
        .exceptionally(error -> null);
  }

  private static List<Lease> toLeases(String namespace, List<Object> flat) {
    List<Lease> leases = new ArrayList<>(flat.size() / 2);
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      long deadline = (long) Double.parseDouble(String.valueOf(flat.get(i + 1)));
      leases.add(new Lease(namespace, String.valueOf(flat.get(i)), Instant.ofEpochMilli(deadline)));
    }
    return leases;
  }
}
