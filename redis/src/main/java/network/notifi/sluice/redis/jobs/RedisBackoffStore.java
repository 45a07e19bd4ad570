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

  // The scripts are the files jobs-backoff-*.lua in
  // redis/src/main/resources/network/notifi/sluice/redis/lua/, with KEYS, ARGV and reply at the top
  // of each; jobs-backoff-functions.lua holds the function the admission step uses too.
  private static final LuaScript RECORD_FAILURE = LuaScript.load("jobs-backoff-record-failure.lua");
  private static final LuaScript OPEN = LuaScript.load("jobs-backoff-open.lua");
  private static final LuaScript WINDOW = LuaScript.load("jobs-backoff-window.lua");
  private static final LuaScript RESET = LuaScript.load("jobs-backoff-reset.lua");

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
    CompletableFuture<Long> reply = RECORD_FAILURE.run(client, ReturnType.LONG,
        List.of(keys.failures(namespace, parserId)),
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
