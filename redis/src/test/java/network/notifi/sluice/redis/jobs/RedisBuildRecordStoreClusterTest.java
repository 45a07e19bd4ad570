package network.notifi.sluice.redis.jobs;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractBuildRecordStoreContractTest;
import network.notifi.sluice.jobs.spi.BuildRecordStore;

class RedisBuildRecordStoreClusterTest extends AbstractBuildRecordStoreContractTest {

  @Override
  protected BuildRecordStore newStore(MutableClock clock) {
    return JobsRedis.stores(JobsRedis.cluster(), getClass(), clock).records();
  }
}
