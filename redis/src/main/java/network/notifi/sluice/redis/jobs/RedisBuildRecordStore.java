package network.notifi.sluice.redis.jobs;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.spi.BuildRecordStore;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * Build records in Redis: a hash with a TTL per build on its namespace's slot, plus a pointer key
 * {@code build id -> namespace}, written once per build (with its first record), so that a record can
 * be read by id alone. The
 * active claim of (namespace, parser) is a string {@code buildId:forgetAt} with a TTL, claimed and
 * released by compare-and-set scripts. Expiry is also checked against the injected clock. Instants
 * are stored as ISO-8601 text, so they round-trip exactly. Thread-safe; no call blocks.
 */
final class RedisBuildRecordStore implements BuildRecordStore {

  // The scripts are the files jobs-records-*.lua in
  // redis/src/main/resources/network/notifi/sluice/redis/lua/, with KEYS, ARGV and reply at the top
  // of each; jobs-records-functions.lua holds the functions the admission step uses too.
  private static final LuaScript PUT = LuaScript.load("jobs-records-put.lua");
  private static final LuaScript CLAIM_ACTIVE = LuaScript.load("jobs-records-claim-active.lua");
  private static final LuaScript RELEASE_ACTIVE = LuaScript.load("jobs-records-release-active.lua");

  /** The pointer's TTL in record TTLs; see {@link #putPointer}. */
  static final int POINTER_TTL_FACTOR = 2;

  private final RedissonClient client;
  private final JobKeys keys;
  private final Clock clock;

  RedisBuildRecordStore(RedissonClient client, JobKeys keys, Clock clock) {
    this.client = Objects.requireNonNull(client, "client");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  /** The record and, in parallel, its pointer. */
  @Override
  public CompletableFuture<Void> put(Build build, Duration ttl) {
    long ttlMs = Math.max(1, ttl.toMillis());
    return CompletableFuture.allOf(putRecord(build, ttlMs), putPointer(build, ttlMs));
  }

  /** The record only: its pointer was written with the build's first record and outlives it. */
  @Override
  public CompletableFuture<Void> update(Build build, Duration ttl) {
    return putRecord(build, Math.max(1, ttl.toMillis()));
  }

  private CompletableFuture<Void> putRecord(Build build, long ttlMs) {
    List<String> fields = fields(build, clock.millis() + ttlMs);
    Object[] args = new Object[1 + fields.size()];
    args[0] = Long.toString(ttlMs);
    for (int i = 0; i < fields.size(); i++) {
      args[i + 1] = fields.get(i);
    }
    return PUT.<Long>run(client, ReturnType.LONG, List.of(keys.build(build.namespace(), build.id())), args)
        .thenApply(reply -> null);
  }

  /** The hash fields of {@code build}'s record, as field, value pairs. */
  static List<String> fields(Build build, long expiresAtMs) {
    List<String> f = new ArrayList<>(20);
    Collections.addAll(f, "id", build.id(), "parser", build.parserId(), "namespace", build.namespace());
    build.thirdParty().ifPresent(tp -> Collections.addAll(f, "third_party", tp));
    Collections.addAll(f, "state", build.state().code(), "created_at", build.createdAt().toString());
    build.startedAt().ifPresent(t -> Collections.addAll(f, "started_at", t.toString()));
    build.finishedAt().ifPresent(t -> Collections.addAll(f, "finished_at", t.toString()));
    build.failureReason().ifPresent(r -> Collections.addAll(f, "failure_reason", r));
    Collections.addAll(f, "expires_at", Long.toString(expiresAtMs));
    return f;
  }

  /**
   * Writes the pointer {@code build id -> namespace}, on its own slot, once per build: it lives {@link
   * #POINTER_TTL_FACTOR} times the record's TTL, so that the record's later versions ({@link #update},
   * each restarting the record's TTL) stay readable by id without rewriting it, for builds that end
   * within a record TTL of their admission. A pointer that outlives its record points at nothing.
   */
  CompletableFuture<Void> putPointer(Build build, long recordTtlMs) {
    return client.getBucket(keys.buildNamespace(build.id()), StringCodec.INSTANCE)
        .setAsync(build.namespace(), Duration.ofMillis(pointerTtlMs(recordTtlMs)))
        .toCompletableFuture();
  }

  /** The pointer's time to live for a record's. */
  static long pointerTtlMs(long recordTtlMs) {
    return recordTtlMs * POINTER_TTL_FACTOR;
  }

  @Override
  public CompletableFuture<Optional<Build>> get(String buildId) {
    return namespaceOf(buildId).thenCompose(ns -> ns == null
        ? CompletableFuture.completedFuture(Optional.<Build>empty())
        : get(ns, buildId));
  }

  /** One {@code HGETALL} on the namespace's slot, without the pointer lookup. */
  @Override
  public CompletableFuture<Optional<Build>> get(String namespace, String buildId) {
    return client.<String, String>getMap(keys.build(namespace, buildId), StringCodec.INSTANCE)
        .readAllMapAsync()
        .toCompletableFuture()
        .thenApply(this::toBuild);
  }

  @Override
  public CompletableFuture<Void> delete(String buildId) {
    return namespaceOf(buildId).thenCompose(ns -> {
      if (ns == null) {
        return CompletableFuture.completedFuture(null);
      }
      CompletableFuture<Boolean> record = client.getMap(keys.build(ns, buildId)).deleteAsync().toCompletableFuture();
      CompletableFuture<Boolean> pointer =
          client.getBucket(keys.buildNamespace(buildId)).deleteAsync().toCompletableFuture();
      return CompletableFuture.allOf(record, pointer);
    });
  }

  @Override
  public CompletableFuture<String> claimActive(String namespace, String parserId, String buildId, Duration ttl) {
    return CLAIM_ACTIVE.run(client, ReturnType.VALUE, List.of(keys.active(namespace, parserId)),
        buildId, Long.toString(clock.millis()), Long.toString(Math.max(1, ttl.toMillis())));
  }

  @Override
  public CompletableFuture<Boolean> releaseActive(String namespace, String parserId, String buildId) {
    CompletableFuture<Long> reply = RELEASE_ACTIVE.run(client, ReturnType.LONG,
        List.of(keys.active(namespace, parserId)), buildId, Long.toString(clock.millis()));
    return reply.thenApply(r -> r == 1L);
  }

  private CompletableFuture<String> namespaceOf(String buildId) {
    return client.<String>getBucket(keys.buildNamespace(buildId), StringCodec.INSTANCE)
        .getAsync()
        .toCompletableFuture();
  }

  private Optional<Build> toBuild(Map<String, String> f) {
    if (f.isEmpty() || Long.parseLong(f.get("expires_at")) <= clock.millis()) {
      return Optional.empty();
    }
    return Optional.of(decode(f));
  }

  /** The build of a record's fields (read with {@code HGETALL}); not checked for expiry. */
  static Build decode(Map<String, String> f) {
    return new Build(
        f.get("id"),
        f.get("parser"),
        f.get("namespace"),
        Optional.ofNullable(f.get("third_party")),
        BuildState.ofCode(f.get("state")),
        Instant.parse(f.get("created_at")),
        Optional.ofNullable(f.get("started_at")).map(Instant::parse),
        Optional.ofNullable(f.get("finished_at")).map(Instant::parse),
        Optional.ofNullable(f.get("failure_reason")));
  }
}
