package network.notifi.sluice.jobs;

import network.notifi.sluice.common.Settings;

/** What a start does when its namespace has no free slot ({@code jobs.on_capacity}). */
public enum OnCapacity {
  /** Append the build to the namespace's queue (the default). */
  QUEUE,
  /** Refuse the build with {@link AdmissionResult.AtCapacity}. */
  REJECT;

  /** Parses {@code queue} or {@code reject}, in any case. */
  public static OnCapacity parse(String value) {
    return Settings.parseEnum(OnCapacity.class, "on_capacity", value);
  }
}
