package network.notifi.sluice.k8s;

import java.util.Objects;

/**
 * A build could not be started now but is not at fault: it should go back to the queue with {@link
 * #reason()} and be tried again later. {@link KubernetesJobLauncher#launch} fails with it when the
 * Job does not fit the namespace's ResourceQuota ({@value #QUOTA}) or the API server is unreachable
 * or the circuit breaker is open ({@value #API_UNAVAILABLE}).
 */
public final class LaunchDeferredException extends network.notifi.sluice.jobs.spi.LaunchDeferredException {

  /** The Job does not fit a ResourceQuota of its namespace, or the API answered 403 exceeded quota. */
  public static final String QUOTA = "quota";
  /** The API server did not answer after retries, or the circuit breaker is open. */
  public static final String API_UNAVAILABLE = "kubernetes_unavailable";

  private static final long serialVersionUID = 1L;

  public LaunchDeferredException(String reason, String detail, Throwable cause) {
    super(Objects.requireNonNull(reason, "reason"), detail, cause);
  }
}
