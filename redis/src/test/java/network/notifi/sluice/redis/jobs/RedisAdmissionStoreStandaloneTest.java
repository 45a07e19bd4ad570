package network.notifi.sluice.redis.jobs;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractAdmissionStoreContractTest;
import network.notifi.sluice.jobs.spi.JobStores;

class RedisAdmissionStoreStandaloneTest extends AbstractAdmissionStoreContractTest {

  @Override
  protected JobStores newStores(MutableClock clock) {
    return JobsRedis.stores(JobsRedis.standalone(), getClass(), clock);
  }
}
