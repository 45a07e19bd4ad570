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

  // The scripts are the files jobs-slots-*.lua in
  // redis/src/main/resources/network/notifi/sluice/redis/lua/, with KEYS, ARGV and reply at the top
  // of each; jobs-slots-functions.lua holds the functions the queue's claim and admission use too.
  private static final LuaScript ACQUIRE = LuaScript.load("jobs-slots-acquire.lua");
  private static final LuaScript RENEW = LuaScript.load("jobs-slots-renew.lua");
  private static final LuaScript RELEASE = LuaScript.load("jobs-slots-release.lua");
  private static final LuaScript REAP = LuaScript.load("jobs-slots-reap.lua");
  private static final LuaScript LIVE = LuaScript.load("jobs-slots-live.lua");
  private static final LuaScript HELD = LuaScript.load("jobs-slots-held.lua");

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
        LIVE.run(client, ReturnType.LIST, List.of(keys.slots(namespace)), Long.toString(clock.millis()));
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
            held.add(HELD.run(client, ReturnType.LONG, List.of(keys.slots(ns), keys.expiredSlots(ns))));
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
