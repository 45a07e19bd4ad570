package network.notifi.sluice.redis.jobs;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractBuildRecordStoreContractTest;
import network.notifi.sluice.jobs.spi.BuildRecordStore;

class RedisBuildRecordStoreStandaloneTest extends AbstractBuildRecordStoreContractTest {

  @Override
  protected BuildRecordStore newStore(MutableClock clock) {
    return JobsRedis.stores(JobsRedis.standalone(), getClass(), clock).records();
  }
}
