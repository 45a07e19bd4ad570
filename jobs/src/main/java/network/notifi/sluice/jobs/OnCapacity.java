package network.notifi.sluice.jobs;

/** What a start does when its namespace has no free slot ({@code jobs.on_capacity}). */
public enum OnCapacity {
  /** Append the build to the namespace's queue (the default). */
  QUEUE,
  /** Refuse the build with {@link AdmissionResult.AtCapacity}. */
  REJECT;

  /** Parses {@code queue} or {@code reject}, in any case. */
  public static OnCapacity parse(String value) {
    for (OnCapacity mode : values()) {
      if (mode.name().equalsIgnoreCase(value == null ? "" : value.trim())) {
        return mode;
      }
    }
    throw new IllegalArgumentException("on_capacity must be one of queue, reject, was " + value);
  }
}
