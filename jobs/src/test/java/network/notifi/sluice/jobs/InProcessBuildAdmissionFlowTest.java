package network.notifi.sluice.jobs;

import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.spi.JobStores;

class InProcessBuildAdmissionFlowTest extends AbstractBuildAdmissionFlowTest {

  @Override
  protected JobStores newStores(MutableClock clock) {
    return InProcessStores.create(clock);
  }
}
