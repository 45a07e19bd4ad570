package network.notifi.sluice.redis.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.redis.RedisConfig;
import network.notifi.sluice.redis.RedisTimeClock;
import java.util.Optional;
import network.notifi.sluice.jobs.spi.SlotLimits;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * One replica's clock is 30 s ahead. Leases are compared across replicas, so on its own clock it
 * would take every slot of a namespace as expired; on the shared Redis clock it sees them as they
 * are.
 */
class SkewedReplicaLeasesTest {

  private static final long THIRTY_SECONDS_NANOS = Duration.ofSeconds(30).toNanos();
  private static final Duration LEASE = Duration.ofSeconds(10);

  private final RedissonClient client = JobsRedis.standalone();
  private final RedisConfig config = JobsRedis.config(SkewedReplicaLeasesTest.class);

  @Test
  void aReplicaWhoseClockIs30sAheadDoesNotTakeALiveSlotOnTheSharedClock() {
    try (var accurate = RedisTimeClock.start(client, config, EpochNanoClock.system());
        var ahead = RedisTimeClock.start(client, config, thirtySecondsAhead())) {
      JobStores a = RedisJobStores.create(client, config, accurate.javaClock());
      JobStores b = RedisJobStores.create(client, config, ahead.javaClock());

      // Given replica A holds the namespace's only slot
      assertThat(a.slots().acquire("skew", "build-a", Optional.empty(), SlotLimits.ofNamespace(1), LEASE).join().acquired()).isTrue();

      // When replica B, whose clock is 30 s ahead, asks for a slot
      var second = b.slots().acquire("skew", "build-b", Optional.empty(), SlotLimits.ofNamespace(1), LEASE).join();

      // Then A's lease is live for B too: no second build runs, nothing is reaped
      assertThat(second.acquired()).isFalse();
      assertThat(second.active()).isEqualTo(1);
      assertThat(b.slots().reapExpired("skew").join()).isEmpty();
    }
  }

  @Test
  void onItsOwnClockTheSameReplicaWouldTakeTheSlot() {
    JobStores a = RedisJobStores.create(client, config, Clock.systemUTC());
    JobStores b = RedisJobStores.create(client, config, Clock.offset(Clock.systemUTC(), Duration.ofSeconds(30)));

    assertThat(a.slots().acquire("control", "build-a", Optional.empty(), SlotLimits.ofNamespace(1), LEASE).join().acquired()).isTrue();

    // The control case: B reads A's lease as expired 20 s ago and runs a second build.
    assertThat(b.slots().acquire("control", "build-b", Optional.empty(), SlotLimits.ofNamespace(1), LEASE).join().acquired()).isTrue();
  }

  private static EpochNanoClock thirtySecondsAhead() {
    return () -> System.currentTimeMillis() * 1_000_000L + THIRTY_SECONDS_NANOS;
  }
}
