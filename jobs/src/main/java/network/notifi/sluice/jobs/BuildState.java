package network.notifi.sluice.jobs;

import java.util.Locale;

/** Where a build stands. {@link #QUEUED} and {@link #RUNNING} are active; the other two are final. */
public enum BuildState {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED;

  /** The lower-case name used on the wire and in storage, e.g. {@code "running"}. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  public boolean isActive() {
    return this == QUEUED || this == RUNNING;
  }
}
