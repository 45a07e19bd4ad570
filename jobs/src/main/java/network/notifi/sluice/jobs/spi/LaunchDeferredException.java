package network.notifi.sluice.jobs.spi;

/**
 * A {@link JobLauncher} cannot start the build now but may later: the cluster's quota is full, or its
 * API is unavailable. The core puts the build back in its queue with the reason instead of failing
 * it, and tries again on its next dispatch; no failure backoff is opened.
 */
public class LaunchDeferredException extends RuntimeException {

  /**
   * The reason of a launch refused because this replica is shutting down: the build is handed back
   * to the queue for another replica, not failed.
   */
  public static final String REPLICA_STOPPING = "replica_stopping";

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

  /** A launch refused because this replica is shutting down; {@code who} names what refused it. */
  public static LaunchDeferredException replicaStopping(String who) {
    return new LaunchDeferredException(REPLICA_STOPPING, who + " is shutting down; the build waits for another replica");
  }

  public String reason() {
    return reason;
  }
}
