package network.notifi.sluice.redis.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.spi.BackoffStore;
import network.notifi.sluice.jobs.spi.BackoffWindow;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;

/**
 * Backoff in Redis: per (namespace, parser) a window key holding its end (epoch ms) and a failure
 * count key holding {@code count:forgetAt}, both strings with a TTL, so Redis forgets them by
 * itself. The stored ends are compared with the injected clock's time, which the scripts receive.
 * Thread-safe; no call blocks.
 */
final class RedisBackoffStore implements BackoffStore {

  // KEYS: window, count. ARGV: now, keep ms. Returns the new count.
  private static final LuaScript RECORD_FAILURE = new LuaScript("""
      local now = tonumber(ARGV[1])
      local count = 1
      local v = redis.call('GET', KEYS[2])
      if v then
        local c, forget = string.match(v, '^(%d+):(%-?%d+)$')
        if tonumber(forget) > now then count = tonumber(c) + 1 end
      end
      redis.call('SET', KEYS[2], count .. ':' .. (now + tonumber(ARGV[2])), 'PX', ARGV[2])
      return count
      """);

  // KEYS: window, count. ARGV: now, until. The count lives at least as long as the window.
  private static final LuaScript OPEN = new LuaScript("""
      local now = tonumber(ARGV[1])
      local untilMs = tonumber(ARGV[2])
      local ttl = math.max(1, untilMs - now)
      redis.call('SET', KEYS[1], ARGV[2], 'PX', ttl)
      local count, forget = 0, untilMs
      local v = redis.call('GET', KEYS[2])
      if v then
        local c, f = string.match(v, '^(%d+):(%-?%d+)$')
        count = tonumber(c)
        forget = math.max(tonumber(f), untilMs)
      end
      redis.call('SET', KEYS[2], count .. ':' .. forget, 'PX', math.max(1, forget - now))
      return 1
      """);

  // The function the admission step uses too: {until, count} of the open window, or {}.
  static final String FUNCTIONS = """
      local function openWindow(window, count, now)
        local untilMs = redis.call('GET', window)
        if not untilMs or tonumber(untilMs) <= tonumber(now) then return {} end
        local failures = 0
        local v = redis.call('GET', count)
        if v then failures = tonumber(string.match(v, '^(%d+):')) end
        return {tonumber(untilMs), failures}
      end
      """;

  // KEYS: window, count. ARGV: now. Returns {until, count} or {}.
  private static final LuaScript WINDOW = new LuaScript(FUNCTIONS + """
      return openWindow(KEYS[1], KEYS[2], ARGV[1])
      """);

  private static final LuaScript RESET = new LuaScript("""
      return redis.call('DEL', KEYS[1], KEYS[2])
      """);

  private final RedissonClient client;
  private final JobKeys keys;
  private final Clock clock;

  RedisBackoffStore(RedissonClient client, JobKeys keys, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  private List<Object> keysOf(String namespace, String parserId) {
    return List.of(keys.backoff(namespace, parserId), keys.failures(namespace, parserId));
  }

  @Override
  public CompletableFuture<Integer> recordFailure(String namespace, String parserId, Duration keepCountFor) {
    CompletableFuture<Long> reply = RECORD_FAILURE.run(client, ReturnType.LONG, keysOf(namespace, parserId),
        Long.toString(clock.millis()), Long.toString(Math.max(1, keepCountFor.toMillis())));
    return reply.thenApply(Long::intValue);
  }

  @Override
  public CompletableFuture<Void> open(String namespace, String parserId, Instant until) {
    CompletableFuture<Long> reply = OPEN.run(client, ReturnType.LONG, keysOf(namespace, parserId),
        Long.toString(clock.millis()), Long.toString(until.toEpochMilli()));
    return reply.thenApply(r -> null);
  }

  @Override
  public CompletableFuture<Optional<BackoffWindow>> window(String namespace, String parserId) {
    CompletableFuture<List<Long>> reply = WINDOW.run(client, ReturnType.LIST, keysOf(namespace, parserId),
        Long.toString(clock.millis()));
    return reply.thenApply(r -> r.isEmpty()
        ? Optional.empty()
        : Optional.of(new BackoffWindow(Instant.ofEpochMilli(r.get(0)), r.get(1).intValue())));
  }

  @Override
  public CompletableFuture<Void> reset(String namespace, String parserId) {
    CompletableFuture<Long> reply = RESET.run(client, ReturnType.LONG, keysOf(namespace, parserId));
    return reply.thenApply(r -> null);
  }
}
