package network.notifi.sluice.redis.jobs;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.Objects;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.redis.RedisConfig;
import org.redisson.api.RedissonClient;

/**
 * The one door to the Redis jobs backend: slots, queue, backoff and build records that every
 * replica on the same Redis (standalone or cluster) shares.
 *
 * <p>Keys (prefix {@code sluice:} by default; every key a script touches carries the one hash tag
 * {@code {jobs}}, so that a script sees the leases of every namespace; {@code <ns>} is the
 * namespace):
 *
 * <ul>
 *   <li>{@code sluice:jobs:{jobs}:ns:<ns>:slots} sorted set, build id -> lease deadline (ms); {@code
 *       ...:slots:expired} hash of leases dropped as expired until reaped
 *   <li>{@code sluice:jobs:{jobs}:caps:leases} sorted set, build id -> lease deadline (ms) of every
 *       namespace's leases; {@code ...:caps:line:<third party>} the same per third-party line
 *       ({@code ""} for none); {@code ...:caps:lines} hash build id -> line
 *   <li>{@code sluice:jobs:{jobs}:ns:<ns>:queue} stream, consumer group {@code dispatchers}; {@code
 *       ...:queue:ids} hash build id -> entry id; {@code ...:queue:ring} list of third-party lines;
 *       {@code ...:queue:line:<third party>} list of waiting entry ids; {@code ...:queue:claims}
 *       sorted set entry id -> claim time (ms)
 *   <li>{@code sluice:jobs:{jobs}:ns:<ns>:backoff:<parser>} string with TTL, window end (ms); {@code
 *       ...:failures:<parser>} string with TTL, {@code count:forgetAt}
 *   <li>{@code sluice:jobs:{jobs}:ns:<ns>:build:<id>} hash with TTL; {@code ...:active:<parser>}
 *       string with TTL, {@code buildId:forgetAt} (the parser's active claim)
 *   <li>{@code sluice:jobs:{jobs}:build-ns:<id>} string with TTL, the build's namespace; {@code
 *       sluice:jobs:namespaces:slots} set of the namespaces that ever held a lease
 * </ul>
 *
 * <p>On a Redis Cluster all jobs state therefore lives on one node: admission is low-rate (a
 * Kubernetes cluster starts a few hundred Jobs per second at most), and the hot rate-limit buckets
 * stay spread over the cluster.
 *
 * <p>A build's admission is one script over these keys ({@link RedisAdmissionStore}).
 * Times are the injected clock's. Leases, claims and records are compared across replicas, so give
 * every replica the same time source: {@link network.notifi.sluice.redis.RedisTimeClock#javaClock()}
 * (a replica whose own clock is 30 s off then neither steals live slots nor keeps dead ones).
 * The stores do not own the client: closing them leaves it open.
 */
public final class RedisJobStores {

  private RedisJobStores() {}

  /** Stores on {@code client} under {@code config.keyPrefix()}, timed by {@code clock}, with meters of their own. */
  public static JobStores create(RedissonClient client, RedisConfig config, Clock clock) {
    return create(client, config, clock, new SimpleMeterRegistry());
  }

  /**
   * Stores on {@code client} under {@code config.keyPrefix()}, timed by {@code clock}, whose meters go
   * to {@code registry}: {@code jobs_admission_starts_per_call} (see docs/operations.md).
   */
  public static JobStores create(RedissonClient client, RedisConfig config, Clock clock, MeterRegistry registry) {
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(clock, "clock");
    JobKeys keys = new JobKeys(Objects.requireNonNull(config, "config").keyPrefix());
    var slots = new RedisSlotStore(client, keys, clock);
    var queue = new RedisBuildQueue(client, keys, clock, slots);
    var records = new RedisBuildRecordStore(client, keys, clock);
    return new JobStores(slots, queue, new RedisBackoffStore(client, keys, clock), records,
        new RedisAdmissionStore(client, keys, clock, slots, Objects.requireNonNull(registry, "registry")));
  }
}
