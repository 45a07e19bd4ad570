package network.notifi.sluice.jobs.inprocess;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractSlotStoreContractTest;
import network.notifi.sluice.jobs.spi.SlotStore;

class InProcessSlotStoreTest extends AbstractSlotStoreContractTest {

  @Override
  protected SlotStore newStore(MutableClock clock) {
    return new InProcessSlotStore(clock);
  }
}
