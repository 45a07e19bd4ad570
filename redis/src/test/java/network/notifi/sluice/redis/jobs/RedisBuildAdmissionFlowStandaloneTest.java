package network.notifi.sluice.redis.jobs;

import network.notifi.sluice.jobs.AbstractBuildAdmissionFlowTest;
import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AwaitedStores;
import network.notifi.sluice.jobs.spi.JobStores;

class RedisBuildAdmissionFlowStandaloneTest extends AbstractBuildAdmissionFlowTest {

  @Override
  protected JobStores newStores(MutableClock clock) {
    return AwaitedStores.of(JobsRedis.stores(JobsRedis.standalone(), getClass(), clock));
  }
}
