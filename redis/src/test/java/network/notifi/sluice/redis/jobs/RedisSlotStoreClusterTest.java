package network.notifi.sluice.redis.jobs;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractSlotStoreContractTest;
import network.notifi.sluice.jobs.spi.SlotStore;

class RedisSlotStoreClusterTest extends AbstractSlotStoreContractTest {

  @Override
  protected SlotStore newStore(MutableClock clock) {
    return JobsRedis.stores(JobsRedis.cluster(), getClass(), clock).slots();
  }
}
