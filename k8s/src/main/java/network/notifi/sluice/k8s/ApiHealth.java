package network.notifi.sluice.k8s;

/**
 * Whether the Kubernetes API is usable, as the circuit breaker around it sees it. While not {@link
 * #available()}, readiness should say degraded and the dispatcher should not start builds.
 *
 * @param available the breaker lets calls through (closed or half-open)
 * @param breakerState {@code closed}, {@code open}, {@code half_open}, ...
 */
public record ApiHealth(boolean available, String breakerState) {}
