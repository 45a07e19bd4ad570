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

  static final String GROUP = "dispatchers";

  // One namespace's queue as a Lua table q = {stream, ids, ring, claims, lines (line key prefix)}, and
  // the functions over it that more than one script uses (the admission step among them).
  static final String FUNCTIONS = """
      local function lineOf(q, sid)
        local e = redis.call('XRANGE', q.stream, sid, sid)
        local f = e[1][2]
        for i = 1, #f, 2 do if f[i] == 'line' then return f[i + 1] end end
        return ''
      end
      -- -1 not queued, 0 claimed, else the 1-based place in dispatch order.
      local function position(q, build)
        local sid = redis.call('HGET', q.ids, build)
        if not sid then return -1 end
        if redis.call('ZSCORE', q.claims, sid) then return 0 end
        local own = lineOf(q, sid)
        local k = redis.call('LPOS', q.lines .. own, sid)
        local ring = redis.call('LRANGE', q.ring, 0, -1)
        local before = k
        local passed = 1
        for i = 1, #ring do
          if ring[i] == own then
            passed = 0
          else
            before = before + math.min(redis.call('LLEN', q.lines .. ring[i]), k + passed)
          end
        end
        return before + 1
      end
      -- {accepted 0|1, position, depth}; an entry already queued is accepted again, in place.
      local function enqueue(q, build, parser, line, tp, at, maxDepth)
        if not redis.call('HGET', q.ids, build) then
          local depth = redis.call('HLEN', q.ids)
          if depth >= tonumber(maxDepth) then return {0, 0, depth} end
          if redis.call('EXISTS', q.stream) == 0 then
            redis.call('XGROUP', 'CREATE', q.stream, 'dispatchers', '0', 'MKSTREAM')
          end
          local sid = redis.call('XADD', q.stream, '*', 'build', build, 'parser', parser, 'line', line,
              'tp', tp, 'at', at)
          redis.call('HSET', q.ids, build, sid)
          if redis.call('RPUSH', q.lines .. line, sid) == 1 then redis.call('RPUSH', q.ring, line) end
        end
        return {1, position(q, build), redis.call('HLEN', q.ids)}
      end
      """;

  // KEYS: stream, ids, ring, claims. ARGV[1]: line key prefix.
  private static final String QUEUE = FUNCTIONS + """
      local q = {stream = KEYS[1], ids = KEYS[2], ring = KEYS[3], claims = KEYS[4], lines = ARGV[1]}
      """;

  // ARGV: prefix, build, parser, line, has third party 0|1, enqueued at, max depth.
  // Returns {accepted 0|1, position, depth}.
  private static final LuaScript ENQUEUE = new LuaScript(QUEUE + """
      return enqueue(q, ARGV[2], ARGV[3], ARGV[4], ARGV[5], ARGV[6], ARGV[7])
      """);

  // ARGV: prefix, build.
  private static final LuaScript POSITION_OF = new LuaScript(QUEUE + """
      return position(q, ARGV[2])
      """);

  // KEYS: stream, ids, ring, claims, then the slot keys (slots, expired, all, lines). ARGV: prefix,
  // consumer, now, reclaim cutoff, reclaim ms, lease line prefix, namespace limit, total cap,
  // third-party cap. Returns the claimed entry's fields, or {}.
  // A stale claim is found by its claim time on the injected clock (XCLAIM moves it), else by the
  // group's own idle time (XAUTOCLAIM); the two agree when the clock is the real one. Else the first
  // line in ring order whose third party is under its cap is served and sent to the back of the
  // ring; lines passed over keep their place. Nothing is served while the namespace or the total is
  // full.
  private static final LuaScript CLAIM = new LuaScript(RedisSlotStore.FUNCTIONS + """
      local s = {slots = KEYS[5], expired = KEYS[6], all = KEYS[7], lines = KEYS[8], tp = ARGV[6]}
      local sid
      local stale = redis.call('ZRANGEBYSCORE', KEYS[4], '-inf', ARGV[4], 'LIMIT', 0, 1)
      if #stale > 0 then
        sid = stale[1]
        redis.call('XCLAIM', KEYS[1], 'dispatchers', ARGV[2], 0, sid)
      elseif redis.call('EXISTS', KEYS[1]) == 1 then
        local idle = redis.call('XAUTOCLAIM', KEYS[1], 'dispatchers', ARGV[2], ARGV[5], '0-0', 'COUNT', 1)
        if #idle[2] > 0 then sid = idle[2][1][1] end
      end
      if not sid then
        local limits = {ARGV[7], ARGV[8], ARGV[9]}
        local turn
        for _, line in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
          local reached = full(s, line, ARGV[3], limits)
          if reached == '' then turn = line break end
          if reached ~= 'third_party' then return {} end
        end
        if not turn then return {} end
        redis.call('LREM', KEYS[3], 1, turn)
        sid = redis.call('LPOP', ARGV[1] .. turn)
        if redis.call('LLEN', ARGV[1] .. turn) > 0 then redis.call('RPUSH', KEYS[3], turn) end
        local prev = redis.call('XREVRANGE', KEYS[1], '(' .. sid, '-', 'COUNT', 1)
        local from = '0-0'
        if #prev > 0 then from = prev[1][1] end
        redis.call('XGROUP', 'SETID', KEYS[1], 'dispatchers', from)
        redis.call('XREADGROUP', 'GROUP', 'dispatchers', ARGV[2], 'COUNT', 1, 'STREAMS', KEYS[1], '>')
      end
      redis.call('ZADD', KEYS[4], ARGV[3], sid)
      return redis.call('XRANGE', KEYS[1], sid, sid)[1][2]
      """);

  // ARGV: prefix, build. Returns 1 if this call removed the claimed entry.
  private static final LuaScript ACK = new LuaScript("""
      local sid = redis.call('HGET', KEYS[2], ARGV[2])
      if not sid or redis.call('ZREM', KEYS[4], sid) == 0 then return 0 end
      redis.call('XACK', KEYS[1], 'dispatchers', sid)
      redis.call('XDEL', KEYS[1], sid)
      redis.call('HDEL', KEYS[2], ARGV[2])
      return 1
      """);

  // ARGV: prefix, build, consumer, claimed at, line. Puts the entry back at the front of its line.
  private static final LuaScript ABANDON = new LuaScript("""
      local sid = redis.call('HGET', KEYS[2], ARGV[2])
      if not sid or tonumber(redis.call('ZSCORE', KEYS[4], sid) or '-1') ~= tonumber(ARGV[4]) then return 0 end
      local holder = redis.call('XPENDING', KEYS[1], 'dispatchers', sid, sid, 1)
      if #holder == 0 or holder[1][2] ~= ARGV[3] then return 0 end
      redis.call('ZREM', KEYS[4], sid)
      redis.call('XACK', KEYS[1], 'dispatchers', sid)
      if redis.call('LPUSH', ARGV[1] .. ARGV[5], sid) == 1 then redis.call('LPUSH', KEYS[3], ARGV[5]) end
      return 1
      """);

  // Returns the enqueued-at field of the oldest entry, or false.
  private static final LuaScript OLDEST = new LuaScript("""
      local e = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', 1)
      if #e == 0 then return false end
      local f = e[1][2]
      for i = 1, #f, 2 do if f[i] == 'at' then return f[i + 1] end end
      return false
      """);

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
    CompletableFuture<String> reply = OLDEST.run(client, ReturnType.VALUE, keysOf(namespace));
    return reply.thenApply(at -> Optional.ofNullable(at).map(Instant::parse));
  }

  @Override
  public CompletableFuture<Optional<QueueClaim>> claim(
      String namespace, String consumer, Duration reclaimAfter, SlotLimits limits) {
    Instant now = clock.instant();
    long nowMs = now.toEpochMilli();
    List<Object> claimKeys = new ArrayList<>(keysOf(namespace));
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
    CompletableFuture<Long> reply = ACK.run(client, ReturnType.LONG, keysOf(ns),
        keys.queueLinePrefix(ns), claim.entry().buildId());
    return reply.thenApply(r -> r == 1L);
  }

  @Override
  public CompletableFuture<Void> abandon(QueueClaim claim) {
    String ns = claim.entry().namespace();
    CompletableFuture<Long> reply = ABANDON.run(client, ReturnType.LONG, keysOf(ns),
        keys.queueLinePrefix(ns), claim.entry().buildId(), claim.consumer(),
        Long.toString(claim.claimedAt().toEpochMilli()), claim.entry().line());
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
