package network.notifi.sluice.k8s;

import network.notifi.sluice.jobs.spi.LaunchDeferredException;

/**
 * The {@link LaunchDeferredException#reason()} codes of {@link KubernetesJobLauncher#launch}: the
 * build goes back to the queue with one of them and is tried again later; it did not fail.
 */
public final class DeferralReasons {

  /** The Job does not fit a ResourceQuota of its namespace, or the API answered 403 exceeded quota. */
  public static final String QUOTA = "quota";

  /** The API server did not answer after retries, or the circuit breaker is open. */
  public static final String API_UNAVAILABLE = "kubernetes_unavailable";

  private DeferralReasons() {}
}
