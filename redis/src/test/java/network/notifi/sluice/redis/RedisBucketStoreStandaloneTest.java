package network.notifi.sluice.redis;

import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.spi.AbstractBucketStoreContractTest;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.redis.testing.SharedClients;

class RedisBucketStoreStandaloneTest extends AbstractBucketStoreContractTest {

  @Override
  protected BucketStore newStore(ManualClock clock) {
    return SharedClients.storeBuilder(SharedClients.standalone()).clock(clock).build();
  }
}
