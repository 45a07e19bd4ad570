package network.notifi.sluice.jobs.inprocess;

import java.time.Clock;
import network.notifi.sluice.jobs.spi.JobStores;

/** The one door to the in-process backend: every store in this process's memory, for one replica. */
public final class InProcessStores {

  private InProcessStores() {}

  /** New, empty in-process stores on {@code clock}. */
  public static JobStores create(Clock clock) {
    var slots = new InProcessSlotStore(clock);
    var queue = new InProcessBuildQueue(clock, slots);
    var backoffs = new InProcessBackoffStore(clock);
    var records = new InProcessBuildRecordStore(clock);
    return new JobStores(slots, queue, backoffs, records, new InProcessAdmissionStore(backoffs, records, queue, slots));
  }
}
