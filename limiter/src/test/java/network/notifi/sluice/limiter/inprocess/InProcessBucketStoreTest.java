package network.notifi.sluice.limiter.inprocess;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.spi.AbstractBucketStoreContractTest;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketStore;
import org.junit.jupiter.api.Test;

class InProcessBucketStoreTest extends AbstractBucketStoreContractTest {

  @Override
  protected BucketStore newStore(ManualClock clock) {
    return InProcessBucketStore.create(clock, 1_000);
  }

  @Test
  void idleThirdPartyBucketIsKeptUntilItWouldBeFullThenForgotten() {
    var clock = new ManualClock();
    var store = InProcessBucketStore.create(clock, 1_000);
    var limit = Limit.of(10, 20);
    store.tryConsume(BucketKey.thirdParty("a"), limit, 20).join();
    assertThat(store.thirdPartyCount()).isEqualTo(1);

    clock.advance(Duration.ofMillis(1_999));
    assertThat(store.thirdPartyCount()).isEqualTo(1);

    // Caffeine's timer wheel may expire up to about a second late, never early.
    clock.advance(Duration.ofMillis(1_500));
    assertThat(store.thirdPartyCount()).isZero();
    assertThat(store.tryConsume(BucketKey.thirdParty("a"), limit, 20).join().consumed()).isTrue();
  }

  @Test
  void floodOfDistinctThirdPartiesStaysWithinTheBound() {
    var store = InProcessBucketStore.create(new ManualClock(), 500);
    var limit = Limit.of(10, 20);

    for (int i = 0; i < 10_000; i++) {
      store.tryConsume(BucketKey.thirdParty("flood-" + i), limit, 1).join();
    }

    assertThat(store.thirdPartyCount()).isLessThanOrEqualTo(500);
  }

  @Test
  void globalAndEndpointBucketsAreNeverEvicted() {
    var clock = new ManualClock();
    var store = InProcessBucketStore.create(clock, 1);
    var limit = Limit.of(1, 2);
    store.tryConsume(BucketKey.GLOBAL, limit, 2).join();

    for (int i = 0; i < 100; i++) {
      store.tryConsume(BucketKey.thirdParty("x" + i), limit, 1).join();
    }

    assertThat(store.tryConsume(BucketKey.GLOBAL, limit, 1).join().consumed()).isFalse();
  }

  @Test
  void boundMustBePositive() {
    assertThatThrownBy(() -> InProcessBucketStore.create(new ManualClock(), 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maxThirdParties must be >= 1, was 0");
  }
}
