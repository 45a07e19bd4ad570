package network.notifi.sluice.jobs.inprocess;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractBuildQueueContractTest;
import network.notifi.sluice.jobs.spi.BuildQueue;

class InProcessBuildQueueTest extends AbstractBuildQueueContractTest {

  @Override
  protected BuildQueue newQueue(MutableClock clock) {
    return new InProcessBuildQueue(clock, new InProcessSlotStore(clock));
  }
}
