package network.notifi.sluice.redis.jobs;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractAdmissionStoreContractTest;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.redis.RedisConfig;

class RedisAdmissionStoreClusterTest extends AbstractAdmissionStoreContractTest {

  private RedisConfig config;

  @Override
  protected JobStores newStores(MutableClock clock) {
    config = JobsRedis.config(getClass());
    return RedisJobStores.create(JobsRedis.cluster(), config, clock);
  }

  @Override
  protected JobStores replicaStores(MutableClock clock) {
    return RedisJobStores.create(JobsRedis.clusterReplica(), config, clock);
  }
}
