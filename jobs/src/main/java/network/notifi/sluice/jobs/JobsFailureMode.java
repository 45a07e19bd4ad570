package network.notifi.sluice.jobs;

import java.util.Locale;

/**
 * What build admission does while its shared stores (Redis) cannot be asked ({@code
 * jobs.failure_mode}).
 */
public enum JobsFailureMode {
  /**
   * Each replica admits into its share of what was free at the last count the stores gave, divided by
   * the live replicas; builds that would queue are refused ({@code 503 jobs_degraded}). What was
   * admitted is written to the stores when they answer again. The default.
   */
  LOCAL,
  /** Every build start is refused ({@code 503 jobs_unavailable}) until the stores answer. */
  CLOSED;

  /** The configuration value: {@code local} or {@code closed}. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }
}
