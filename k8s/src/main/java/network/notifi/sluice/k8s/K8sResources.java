package network.notifi.sluice.k8s;

import java.math.BigDecimal;

/**
 * Requests and limits of the build container, as Kubernetes quantities ({@code 512Mi}, {@code
 * 500m}). Each request must be <= its limit.
 */
public record K8sResources(
    String requestsMemory,
    String requestsCpu,
    String requestsEphemeralStorage,
    String limitsMemory,
    String limitsCpu,
    String limitsEphemeralStorage) {

  public K8sResources {
    notAbove("memory", K8sConfig.quantity("k8s.resources.requests.memory", requestsMemory),
        K8sConfig.quantity("k8s.resources.limits.memory", limitsMemory));
    notAbove("cpu", K8sConfig.quantity("k8s.resources.requests.cpu", requestsCpu),
        K8sConfig.quantity("k8s.resources.limits.cpu", limitsCpu));
    notAbove("ephemeral-storage",
        K8sConfig.quantity("k8s.resources.requests.ephemeral-storage", requestsEphemeralStorage),
        K8sConfig.quantity("k8s.resources.limits.ephemeral-storage", limitsEphemeralStorage));
  }

  /** 256Mi / 250m / 1Gi requested, 1Gi / 1 / 2Gi limits (memory / cpu / ephemeral-storage). */
  public static K8sResources defaults() {
    return new K8sResources("256Mi", "250m", "1Gi", "1Gi", "1", "2Gi");
  }

  private static void notAbove(String resource, BigDecimal request, BigDecimal limit) {
    if (request.compareTo(limit) > 0) {
      throw new IllegalStateException(
          "k8s.resources.requests." + resource + " must be <= k8s.resources.limits." + resource);
    }
  }
}
