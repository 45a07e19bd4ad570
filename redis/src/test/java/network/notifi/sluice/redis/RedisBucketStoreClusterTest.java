package network.notifi.sluice.redis;

import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.spi.AbstractBucketStoreContractTest;
import network.notifi.sluice.limiter.spi.BucketStore;
import network.notifi.sluice.redis.testing.SharedClients;

class RedisBucketStoreClusterTest extends AbstractBucketStoreContractTest {

  @Override
  protected BucketStore newStore(ManualClock clock) {
    return SharedClients.storeBuilder(SharedClients.cluster()).clock(clock).build();
  }
}
