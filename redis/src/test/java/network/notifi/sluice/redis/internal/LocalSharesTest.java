package network.notifi.sluice.redis.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.BucketKey;
import org.junit.jupiter.api.Test;

/** This replica's shares of shared buckets, on a clock that moves only when the test moves it. */
class LocalSharesTest {

  private final AtomicLong now = new AtomicLong(TimeUnit.SECONDS.toNanos(1_800_000_000L));
  private final LocalShares shares = new LocalShares(now::get, 100);
  private final BucketKey key = BucketKey.thirdParty("tp-1");
  private final Limit limit = Limit.of(10, 100);

  @Test
  void aShareIsOneReplicasPartOfTheTokensLastSeenAndRefillsAtItsPartOfTheRate() {
    // 40 tokens last seen, 4 replicas: 10 now, then 10/s / 4 = one token every 400 ms.
    for (int i = 0; i < 10; i++) {
      assertThat(shares.tryConsume(key, limit, 1, () -> 4, () -> OptionalLong.of(40)).consumed()).isTrue();
    }
    assertThat(shares.tryConsume(key, limit, 1, () -> 4, () -> OptionalLong.of(40)).consumed()).isFalse();

    now.addAndGet(TimeUnit.MILLISECONDS.toNanos(400));

    assertThat(shares.tryConsume(key, limit, 1, () -> 4, () -> OptionalLong.of(40)).consumed()).isTrue();
    assertThat(shares.tryConsume(key, limit, 1, () -> 4, () -> OptionalLong.of(40)).consumed()).isFalse();
  }

  @Test
  void theReplicasAndTheLastKnownTokensAreAskedOnlyWhenTheShareIsMade() {
    var replicasAsked = new AtomicInteger();
    var tokensAsked = new AtomicInteger();

    for (int i = 0; i < 5; i++) {
      shares.tryConsume(key, limit, 1, () -> {
        replicasAsked.incrementAndGet();
        return 2;
      }, () -> {
        tokensAsked.incrementAndGet();
        return OptionalLong.of(100);
      });
    }

    assertThat(replicasAsked).hasValue(1);
    assertThat(tokensAsked).hasValue(1);
  }

  @Test
  void withNoStateSeenAShareStartsEmpty() {
    assertThat(shares.tryConsume(key, limit, 1, () -> 1, OptionalLong::empty).consumed()).isFalse();
  }
}
