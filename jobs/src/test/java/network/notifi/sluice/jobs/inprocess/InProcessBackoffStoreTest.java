package network.notifi.sluice.jobs.inprocess;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractBackoffStoreContractTest;
import network.notifi.sluice.jobs.spi.BackoffStore;

class InProcessBackoffStoreTest extends AbstractBackoffStoreContractTest {

  @Override
  protected BackoffStore newStore(MutableClock clock) {
    return new InProcessBackoffStore(clock);
  }
}
