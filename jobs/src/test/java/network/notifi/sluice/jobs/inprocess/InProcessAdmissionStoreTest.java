package network.notifi.sluice.jobs.inprocess;

import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractAdmissionStoreContractTest;
import network.notifi.sluice.jobs.spi.JobStores;

class InProcessAdmissionStoreTest extends AbstractAdmissionStoreContractTest {

  @Override
  protected JobStores newStores(MutableClock clock) {
    return InProcessStores.create(clock);
  }
}
