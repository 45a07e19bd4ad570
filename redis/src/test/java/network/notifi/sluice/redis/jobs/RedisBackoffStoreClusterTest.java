package network.notifi.sluice.redis.jobs;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractBackoffStoreContractTest;
import network.notifi.sluice.jobs.spi.BackoffStore;

class RedisBackoffStoreClusterTest extends AbstractBackoffStoreContractTest {

  @Override
  protected BackoffStore newStore(MutableClock clock) {
    return JobsRedis.stores(JobsRedis.cluster(), getClass(), clock).backoffs();
  }
}
