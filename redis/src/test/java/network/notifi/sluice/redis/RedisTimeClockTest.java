package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.Test;

class RedisTimeClockTest {

  private static final long FIVE_SECONDS = Duration.ofSeconds(5).toNanos();

  @Test
  void clockFollowsRedisTimeWhateverTheLocalClockSays() {
    var config = SharedClients.standaloneConfig();
    EpochNanoClock skewed = () -> System.currentTimeMillis() * 1_000_000L + FIVE_SECONDS;

    try (var clock = RedisTimeClock.start(SharedClients.standalone(), config, skewed)) {
      assertThat(clock.isSynced()).isTrue();
      assertThat(clock.offset().toMillis()).isBetween(-5_100L, -4_900L);
      long diff = clock.epochNanos() - System.currentTimeMillis() * 1_000_000L;
      assertThat(Math.abs(diff)).isLessThan(Duration.ofMillis(100).toNanos());
    }
  }

  @Test
  void replicasWhoseClocksDifferBy5SecondsAgreeOnRefills() {
    var client = SharedClients.standalone();
    var config = SharedClients.standaloneConfig();
    var key = BucketKey.thirdParty("skew-" + System.nanoTime());
    var limit = Limit.of(1, 10);
    EpochNanoClock accurate = EpochNanoClock.system();
    EpochNanoClock fiveSecondsAhead = () -> System.currentTimeMillis() * 1_000_000L + FIVE_SECONDS;

    try (var clockA = RedisTimeClock.start(client, config, accurate);
        var clockB = RedisTimeClock.start(client, config, fiveSecondsAhead)) {
      var replicaA = SharedClients.storeBuilder(client).clock(clockA).build();
      var replicaB = SharedClients.storeBuilder(client).clock(clockB).build();

      // Given replica A empties the bucket
      assertThat(replicaA.tryConsume(key, limit, 10).join().consumed()).isTrue();

      // When replica B, whose own clock is 5 s ahead, asks right after
      var probe = replicaB.tryConsume(key, limit, 1).join();

      // Then B sees no refill: both use Redis time
      assertThat(probe.consumed()).isFalse();
      assertThat(probe.nanosToNextToken()).isGreaterThan(Duration.ofMillis(500).toNanos());
    }
  }

  @Test
  void withoutTheRedisClockASkewedReplicaWouldGrantTokensItShouldNot() {
    var client = SharedClients.standalone();
    var key = BucketKey.thirdParty("skew-control-" + System.nanoTime());
    var limit = Limit.of(1, 10);
    var replicaA = SharedClients.storeBuilder(client).clock(EpochNanoClock.system()).build();
    var replicaB = SharedClients.storeBuilder(client)
        .clock(() -> System.currentTimeMillis() * 1_000_000L + FIVE_SECONDS)
        .build();

    replicaA.tryConsume(key, limit, 10).join();

    // The control case: local clocks let B refill 5 tokens out of thin air.
    assertThat(replicaB.tryConsume(key, limit, 5).join().consumed()).isTrue();
  }
}
