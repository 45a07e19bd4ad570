package network.notifi.sluice.redis.jobs;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractSlotStoreContractTest;
import network.notifi.sluice.jobs.spi.SlotStore;

class RedisSlotStoreStandaloneTest extends AbstractSlotStoreContractTest {

  @Override
  protected SlotStore newStore(MutableClock clock) {
    return JobsRedis.stores(JobsRedis.standalone(), getClass(), clock).slots();
  }
}
