package network.notifi.sluice.jobs.spi;

import java.util.Objects;

/** The four stores of one backend, handed to {@link network.notifi.sluice.jobs.BuildAdmission}. */
public record JobStores(
    SlotStore slots, BuildQueue queue, BackoffStore backoffs, BuildRecordStore records)
    implements AutoCloseable {

  public JobStores {
    Objects.requireNonNull(slots, "slots");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(backoffs, "backoffs");
    Objects.requireNonNull(records, "records");
  }

  @Override
  public void close() {
    slots.close();
    queue.close();
    backoffs.close();
    records.close();
  }
}
