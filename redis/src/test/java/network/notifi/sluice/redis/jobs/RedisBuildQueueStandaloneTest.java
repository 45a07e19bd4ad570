package network.notifi.sluice.redis.jobs;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractBuildQueueContractTest;
import network.notifi.sluice.jobs.spi.BuildQueue;

class RedisBuildQueueStandaloneTest extends AbstractBuildQueueContractTest {

  @Override
  protected BuildQueue newQueue(MutableClock clock) {
    return JobsRedis.stores(JobsRedis.standalone(), getClass(), clock).queue();
  }
}
