package network.notifi.sluice.jobs.spi;

/**
 * A {@link JobLauncher} cannot start the build now but may later: the cluster's quota is full, or its
 * API is unavailable. The core puts the build back in its queue with the reason instead of failing
 * it, and tries again on its next dispatch; no failure backoff is opened.
 */
public class LaunchDeferredException extends RuntimeException {

  private final String reason;

  /**
   * @param reason a stable code shown with the waiting build, e.g. {@code quota}
   * @param message what happened, for people
   */
  public LaunchDeferredException(String reason, String message) {
    this(reason, message, null);
  }

  /** As above, with the failure that made the launcher defer, if any. */
  public LaunchDeferredException(String reason, String message, Throwable cause) {
    super(message, cause, false, false);
    this.reason = reason;
  }

  public String reason() {
    return reason;
  }
}
