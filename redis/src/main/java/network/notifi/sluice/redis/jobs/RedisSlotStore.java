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
import network.notifi.sluice.jobs.JobLimit;
import network.notifi.sluice.jobs.spi.Lease;
import network.notifi.sluice.jobs.spi.SlotAcquisition;
import network.notifi.sluice.jobs.spi.SlotLimits;
import network.notifi.sluice.jobs.spi.SlotStore;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Slots in Redis: per namespace a sorted set {@code build id -> lease deadline (ms)} and a hash of
 * leases dropped as expired but not yet reaped; beside them, for the caps across namespaces, every
 * lease in one sorted set and in the sorted set of its third-party line, with a hash {@code build id
 * -> line}. Acquire, renew, release and reap are one Lua script each over these keys (all under the
 * hash tag {@code {jobs}}), so the limits hold across replicas. Deadlines come from the injected
 * clock, passed into the scripts. Thread-safe; no call blocks.
 */
final class RedisSlotStore implements SlotStore {

  // The functions more than one script uses (the admission step and the queue's claim among them),
  // over one table s = {slots, expired, all, lines (hash build -> line), tp (line key prefix)}.
  // The caps count leases whose deadline is after now; sweep moves a namespace's leases whose
  // deadline is <= now to its expired hash and out of the caps' sets. full answers '' when one more
  // lease of the line fits, else the code of the first full limit (JobLimit). acquire returns that
  // and the namespace's live leases afterwards.
  static final String FUNCTIONS = """
      local function forget(s, build)
        redis.call('ZREM', s.all, build)
        local line = redis.call('HGET', s.lines, build)
        if line then
          redis.call('ZREM', s.tp .. line, build)
          redis.call('HDEL', s.lines, build)
        end
      end
      local function sweep(s, now)
        local gone = redis.call('ZRANGEBYSCORE', s.slots, '-inf', now, 'WITHSCORES')
        for i = 1, #gone, 2 do
          redis.call('HSET', s.expired, gone[i], gone[i + 1])
          forget(s, gone[i])
        end
        if #gone > 0 then redis.call('ZREMRANGEBYSCORE', s.slots, '-inf', now) end
      end
      local function live(key, now)
        return redis.call('ZCOUNT', key, '(' .. now, '+inf')
      end
      local function full(s, line, now, limits)
        if live(s.slots, now) >= tonumber(limits[1]) then return 'namespace' end
        if tonumber(limits[2]) > 0 and live(s.all, now) >= tonumber(limits[2]) then return 'total' end
        if tonumber(limits[3]) > 0 and live(s.tp .. line, now) >= tonumber(limits[3]) then return 'third_party' end
        return ''
      end
      local function acquire(s, now, build, line, limits, deadline)
        sweep(s, now)
        local reached = ''
        if not redis.call('ZSCORE', s.slots, build) then reached = full(s, line, now, limits) end
        if reached == '' then
          redis.call('ZADD', s.slots, deadline, build)
          redis.call('ZADD', s.all, deadline, build)
          redis.call('ZADD', s.tp .. line, deadline, build)
          redis.call('HSET', s.lines, build, line)
        end
        return reached, redis.call('ZCARD', s.slots)
      end
      """;

  // KEYS: slots, expired, all, lines. ARGV[1]: line key prefix, then each script's own.
  private static final String SLOTS = FUNCTIONS + """
      local s = {slots = KEYS[1], expired = KEYS[2], all = KEYS[3], lines = KEYS[4], tp = ARGV[1]}
      """;

  // ARGV: prefix, now, build id, line, namespace limit, total cap, third-party cap, deadline.
  // Returns {full limit or '', live leases}.
  private static final LuaScript ACQUIRE = new LuaScript(SLOTS + """
      local reached, live = acquire(s, ARGV[2], ARGV[3], ARGV[4], {ARGV[5], ARGV[6], ARGV[7]}, ARGV[8])
      return {reached, live}
      """);

  // ARGV: prefix, now, build id, deadline. Returns 1 if renewed.
  private static final LuaScript RENEW = new LuaScript(SLOTS + """
      sweep(s, ARGV[2])
      if not redis.call('ZSCORE', s.slots, ARGV[3]) then return 0 end
      redis.call('ZADD', s.slots, ARGV[4], ARGV[3])
      redis.call('ZADD', s.all, ARGV[4], ARGV[3])
      local line = redis.call('HGET', s.lines, ARGV[3])
      if line then redis.call('ZADD', s.tp .. line, ARGV[4], ARGV[3]) end
      return 1
      """);

  // ARGV: prefix, build id. Returns 1 if a live or expired-unreaped lease was removed.
  private static final LuaScript RELEASE = new LuaScript(SLOTS + """
      forget(s, ARGV[2])
      return redis.call('ZREM', s.slots, ARGV[2]) + redis.call('HDEL', s.expired, ARGV[2])
      """);

  // ARGV: prefix, now. Returns {build, deadline, ...} of the expired leases, each once.
  private static final LuaScript REAP = new LuaScript(SLOTS + """
      sweep(s, ARGV[2])
      local reaped = redis.call('HGETALL', s.expired)
      redis.call('DEL', s.expired)
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

  /** The keys of the slot functions for {@code namespace}: slots, expired, all, lines. */
  List<Object> keysOf(String namespace) {
    return List.of(keys.slots(namespace), keys.expiredSlots(namespace), keys.allLeases(), keys.leaseLines());
  }

  /** The limits as the slot functions take them: namespace, total, third party. */
  static List<String> limitArgs(SlotLimits limits) {
    return List.of(Integer.toString(limits.namespace()), Integer.toString(limits.total()),
        Integer.toString(limits.thirdParty()));
  }

  @Override
  public CompletableFuture<SlotAcquisition> acquire(
      String namespace, String buildId, Optional<String> thirdParty, SlotLimits limits, Duration leaseDuration) {
    long now = clock.millis();
    List<Object> args = new ArrayList<>(List.of(keys.lineLeasesPrefix(), Long.toString(now), buildId,
        thirdParty.orElse("")));
    args.addAll(limitArgs(limits));
    args.add(Long.toString(now + leaseDuration.toMillis()));
    CompletableFuture<List<Object>> reply = ACQUIRE.run(client, ReturnType.LIST, keysOf(namespace), args.toArray());
    return index(namespace).thenCombine(reply, (ignored, r) -> {
      String full = String.valueOf(r.get(0));
      int active = Integer.parseInt(String.valueOf(r.get(1)));
      return full.isEmpty() ? SlotAcquisition.acquired(active) : SlotAcquisition.refused(active, JobLimit.ofCode(full));
    });
  }

  @Override
  public CompletableFuture<Boolean> renew(String namespace, String buildId, Duration leaseDuration) {
    long now = clock.millis();
    CompletableFuture<Long> reply = RENEW.run(client, ReturnType.LONG, keysOf(namespace), keys.lineLeasesPrefix(),
        Long.toString(now), buildId, Long.toString(now + leaseDuration.toMillis()));
    return reply.thenApply(r -> r == 1L);
  }

  @Override
  public CompletableFuture<Boolean> release(String namespace, String buildId) {
    CompletableFuture<Long> reply =
        RELEASE.run(client, ReturnType.LONG, keysOf(namespace), keys.lineLeasesPrefix(), buildId);
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
  public CompletableFuture<List<Lease>> reapExpired(String namespace) {
    CompletableFuture<List<Object>> reply = REAP.run(client, ReturnType.LIST, keysOf(namespace),
        keys.lineLeasesPrefix(), Long.toString(clock.millis()));
    return reply.thenApply(r -> toLeases(namespace, r));
  }

  @Override
  public CompletableFuture<Set<String>> namespaces() {
    return client.<String>getSet(keys.slotNamespaces(), StringCodec.INSTANCE)
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

  /**
   * Adds the namespace to the index that {@link #namespaces} reads, once per store; the index only
   * grows, bounded by the configured namespaces.
   */
  CompletableFuture<Void> index(String namespace) {
    if (indexed.contains(namespace)) {
      return CompletableFuture.completedFuture(null);
    }
    return client.<String>getSet(keys.slotNamespaces(), StringCodec.INSTANCE)
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
