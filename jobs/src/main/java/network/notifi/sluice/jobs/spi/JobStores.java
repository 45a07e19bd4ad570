package network.notifi.sluice.jobs.spi;

import java.util.Objects;

/**
 * The stores of one backend, handed to {@link network.notifi.sluice.jobs.BuildAdmission}: four that
 * hold state and {@code admissions}, the atomic admission step over the same state.
 */
public record JobStores(
    SlotStore slots, BuildQueue queue, BackoffStore backoffs, BuildRecordStore records, AdmissionStore admissions)
    implements AutoCloseable {

  public JobStores {
    Objects.requireNonNull(slots, "slots");
    Objects.requireNonNull(queue, "queue");
    Objects.requireNonNull(backoffs, "backoffs");
    Objects.requireNonNull(records, "records");
    Objects.requireNonNull(admissions, "admissions");
  }

  /** These stores with another admission step, e.g. one wrapped by a test. */
  public JobStores withAdmissions(AdmissionStore other) {
    return new JobStores(slots, queue, backoffs, records, other);
  }

  @Override
  public void close() {
    admissions.close();
    slots.close();
    queue.close();
    backoffs.close();
    records.close();
  }
}
