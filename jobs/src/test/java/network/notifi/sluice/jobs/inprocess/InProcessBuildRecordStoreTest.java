package network.notifi.sluice.jobs.inprocess;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractBuildRecordStoreContractTest;
import network.notifi.sluice.jobs.spi.BuildRecordStore;

class InProcessBuildRecordStoreTest extends AbstractBuildRecordStoreContractTest {

  @Override
  protected BuildRecordStore newStore(MutableClock clock) {
    return new InProcessBuildRecordStore(clock);
  }
}
