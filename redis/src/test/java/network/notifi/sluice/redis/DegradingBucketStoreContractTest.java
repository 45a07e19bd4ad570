package network.notifi.sluice.redis;

import java.time.Duration;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.limiter.spi.AbstractBucketStoreContractTest;
import network.notifi.sluice.limiter.spi.BucketStore;

/** The degrading decorator is a store like any other while its shared store answers. */
class DegradingBucketStoreContractTest extends AbstractBucketStoreContractTest {

  @Override
  protected BucketStore newStore(ManualClock clock) {
    return DegradingBucketStore.builder(InProcessBucketStore.create(clock, 10_000))
        .clock(clock)
        .maintenanceEvery(Duration.ZERO)
        .build();
  }
}
