package network.notifi.sluice.redis.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.spi.BuildQueue;
import network.notifi.sluice.jobs.spi.Enqueued;
import network.notifi.sluice.jobs.spi.QueueClaim;
import network.notifi.sluice.jobs.spi.QueuedBuild;
import network.notifi.sluice.jobs.spi.SlotLimits;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The queue in Redis, one stream per namespace with consumer group {@code dispatchers}; every
 * replica is a consumer. An entry stays in the stream until acknowledged ({@code XACK} + {@code
 * XDEL}). Fair order lives beside it: a list of waiting entry ids per third-party line and a ring of
 * the lines; a claim takes the head of the line whose turn it is and delivers that entry to the
 * claimant through the group (so {@code XPENDING} shows who holds what). A claim older than the
 * reclaim timeout, on the injected clock or by the group's idle time ({@code XAUTOCLAIM}), is moved
 * to the next claimant; a claim passes over lines whose third party is at its cap, counting the
 * slot store's leases in the same script. Every call is one Lua script on the jobs hash slot.
 * Thread-safe; no call blocks.
 */
final class RedisBuildQueue implements BuildQueue {

  // The scripts are the files jobs-queue-*.lua in
  // redis/src/main/resources/network/notifi/sluice/redis/lua/, with KEYS, ARGV and reply at the top
  // of each; jobs-queue-functions.lua holds the functions the admission step uses too.
  private static final LuaScript ENQUEUE = LuaScript.load("jobs-queue-enqueue.lua");
  private static final LuaScript POSITION_OF = LuaScript.load("jobs-queue-position.lua");
  private static final LuaScript CLAIM = LuaScript.load("jobs-queue-claim.lua");
  private static final LuaScript ACK = LuaScript.load("jobs-queue-ack.lua");
  private static final LuaScript ABANDON = LuaScript.load("jobs-queue-abandon.lua");
  private static final LuaScript OLDEST = LuaScript.load("jobs-queue-oldest.lua");

  private final RedissonClient client;
  private final JobKeys keys;
  private final Clock clock;
  private final RedisSlotStore slots;

  /** A queue whose claims count the leases of {@code slots}, in the same script. */
  RedisBuildQueue(RedissonClient client, JobKeys keys, Clock clock, RedisSlotStore slots) {
    this.client = Objects.requireNonNull(client, "client");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.slots = Objects.requireNonNull(slots, "slots");
  }

  private List<Object> keysOf(String namespace) {
    return List.of(keys.queue(namespace), keys.queueIds(namespace), keys.queueRing(namespace),
        keys.queueClaims(namespace));
  }

  @Override
  public CompletableFuture<Enqueued> enqueue(QueuedBuild entry, int maxDepth) {
    String ns = entry.namespace();
    CompletableFuture<List<Long>> reply = ENQUEUE.run(client, ReturnType.LIST, keysOf(ns),
        keys.queueLinePrefix(ns), entry.buildId(), entry.parserId(), entry.line(),
        entry.thirdParty().isPresent() ? "1" : "0", entry.enqueuedAt().toString(), Integer.toString(maxDepth));
    return reply.thenApply(r -> new Enqueued(r.get(0) == 1L, r.get(1), r.get(2)));
  }

  @Override
  public CompletableFuture<OptionalLong> position(String namespace, String buildId) {
    CompletableFuture<Long> reply = POSITION_OF.run(client, ReturnType.LONG, keysOf(namespace),
        keys.queueLinePrefix(namespace), buildId);
    return reply.thenApply(p -> p < 0 ? OptionalLong.empty() : OptionalLong.of(p));
  }

  @Override
  public CompletableFuture<Long> depth(String namespace) {
    return client.getMap(keys.queueIds(namespace), StringCodec.INSTANCE).sizeAsync().toCompletableFuture()
        .thenApply(Integer::longValue);
  }

  /** When the oldest entry of the namespace (claimed or not) was enqueued; empty if none. */
  @Override
  public CompletableFuture<Optional<Instant>> oldestEnqueuedAt(String namespace) {
    CompletableFuture<String> reply = OLDEST.run(client, ReturnType.VALUE, List.of(keys.queue(namespace)));
    return reply.thenApply(at -> Optional.ofNullable(at).map(Instant::parse));
  }

  @Override
  public CompletableFuture<Optional<QueueClaim>> claim(
      String namespace, String consumer, Duration reclaimAfter, SlotLimits limits) {
    Instant now = clock.instant();
    long nowMs = now.toEpochMilli();
    List<Object> claimKeys = new ArrayList<>(
        List.of(keys.queue(namespace), keys.queueRing(namespace), keys.queueClaims(namespace)));
    claimKeys.addAll(slots.keysOf(namespace));
    List<Object> args = new ArrayList<>(List.of(keys.queueLinePrefix(namespace), consumer, Long.toString(nowMs),
        Long.toString(nowMs - reclaimAfter.toMillis()), Long.toString(reclaimAfter.toMillis()),
        keys.lineLeasesPrefix()));
    args.addAll(RedisSlotStore.limitArgs(limits));
    CompletableFuture<List<Object>> reply = CLAIM.run(client, ReturnType.LIST, claimKeys, args.toArray());
    Instant claimedAt = Instant.ofEpochMilli(nowMs);
    return reply.thenApply(fields -> fields.isEmpty()
        ? Optional.empty()
        : Optional.of(new QueueClaim(toEntry(namespace, fields), consumer, claimedAt)));
  }

  @Override
  public CompletableFuture<Boolean> ack(QueueClaim claim) {
    String ns = claim.entry().namespace();
    CompletableFuture<Long> reply = ACK.run(client, ReturnType.LONG,
        List.of(keys.queue(ns), keys.queueIds(ns), keys.queueClaims(ns)), claim.entry().buildId());
    return reply.thenApply(r -> r == 1L);
  }

  @Override
  public CompletableFuture<Void> abandon(QueueClaim claim) {
    String ns = claim.entry().namespace();
    List<Object> abandonKeys = new ArrayList<>(keysOf(ns));
    abandonKeys.add(keys.queueLine(ns, claim.entry().line()));
    CompletableFuture<Long> reply = ABANDON.run(client, ReturnType.LONG, abandonKeys, claim.entry().buildId(),
        claim.consumer(), Long.toString(claim.claimedAt().toEpochMilli()), claim.entry().line());
    return reply.thenApply(r -> null);
  }

  private static QueuedBuild toEntry(String namespace, List<Object> flat) {
    String build = null;
    String parser = null;
    String line = "";
    boolean hasThirdParty = false;
    Instant at = null;
    for (int i = 0; i + 1 < flat.size(); i += 2) {
      String value = String.valueOf(flat.get(i + 1));
      switch (String.valueOf(flat.get(i))) {
        case "build" -> build = value;
        case "parser" -> parser = value;
        case "line" -> line = value;
        case "tp" -> hasThirdParty = "1".equals(value);
        case "at" -> at = Instant.parse(value);
        default -> { }
      }
    }
    return new QueuedBuild(build, namespace, parser, hasThirdParty ? Optional.of(line) : Optional.empty(), at);
  }
}
