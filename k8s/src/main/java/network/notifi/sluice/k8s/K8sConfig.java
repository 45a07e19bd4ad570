package network.notifi.sluice.k8s;

import io.kubernetes.client.custom.Quantity;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import network.notifi.sluice.common.Settings;
import network.notifi.sluice.jobs.Names;

/**
 * The settings of the Kubernetes job launcher ({@code k8s:} in the configuration file). Immutable;
 * validated on construction with messages that name the setting as it is spelled in the file.
 *
 * <p>The build's container gets {@code PARSER_ID}, {@code BUILD_ID}, {@code NAMESPACE} and {@code
 * THIRD_PARTY_ID} as environment variables, and Kubernetes expands {@code $(PARSER_ID)} in {@code
 * command} and {@code args}, which is how the parser id reaches the command line.
 *
 * @param apiUrl the API server ({@code k8s.api_url}, env {@code SLUICE_K8S_API_URL}); empty: in-cluster
 *     service account, else {@code KUBECONFIG} / {@code ~/.kube/config}
 * @param namespaces the Sluice namespaces managed from the start: their quotas are ensured and their
 *     Jobs listed and adopted ({@code k8s.namespaces}, {@code [default]}); namespaces that builds name
 *     later are added as they come
 * @param namespaceMapping Sluice namespace to Kubernetes namespace ({@code k8s.namespace_mapping}; a
 *     namespace not listed maps to itself)
 * @param image the build image ({@code k8s.image}, {@code busybox:1.36})
 * @param command the container command; empty keeps the image's entrypoint ({@code k8s.command})
 * @param args the container arguments ({@code k8s.args}, {@code [$(PARSER_ID)]})
 * @param backoffLimit pod retries of a Job before it fails ({@code k8s.backoff_limit}, 0)
 * @param activeDeadline a Job running longer fails ({@code k8s.active_deadline}, 10m)
 * @param ttlAfterFinished how long a finished Job is kept ({@code k8s.ttl_after_finished}, 1h)
 * @param resources requests and limits of the build container ({@code k8s.resources})
 * @param namespaceResources per-namespace overrides of {@code resources} ({@code
 *     k8s.namespace_resources})
 * @param ingressBandwidth the {@code kubernetes.io/ingress-bandwidth} pod annotation, e.g. {@code 10M}
 *     ({@code k8s.ingress_bandwidth}, none)
 * @param egressBandwidth the {@code kubernetes.io/egress-bandwidth} pod annotation ({@code
 *     k8s.egress_bandwidth}, none)
 * @param quota the ResourceQuota of managed namespaces ({@code k8s.quota})
 * @param reconcileInterval how often managed Jobs are listed, ends reported and slots reconciled
 *     ({@code k8s.reconcile_interval}, 10s)
 * @param gracePeriod how long a slot may exist without its Job before it is released ({@code
 *     k8s.grace_period}, 30s)
 * @param watch whether to watch Jobs as the fast path besides the periodic list ({@code k8s.watch},
 *     true)
 * @param resilience retries, circuit breaker, bulkhead and timeout of API calls ({@code
 *     k8s.resilience})
 */
public record K8sConfig(
    Optional<String> apiUrl,
    Set<String> namespaces,
    Map<String, String> namespaceMapping,
    String image,
    List<String> command,
    List<String> args,
    int backoffLimit,
    Duration activeDeadline,
    Duration ttlAfterFinished,
    K8sResources resources,
    Map<String, K8sResources> namespaceResources,
    Optional<String> ingressBandwidth,
    Optional<String> egressBandwidth,
    K8sQuota quota,
    Duration reconcileInterval,
    Duration gracePeriod,
    boolean watch,
    K8sResilience resilience) {

  public K8sConfig {
    Objects.requireNonNull(apiUrl, "k8s.api_url");
    apiUrl.ifPresent(
        url -> {
          if (!url.startsWith("http://") && !url.startsWith("https://")) {
            throw new IllegalArgumentException("k8s.api_url must start with http:// or https://, was \"" + url + "\"");
          }
        });
    namespaces = Set.copyOf(Objects.requireNonNull(namespaces, "k8s.namespaces"));
    namespaces.forEach(ns -> Names.requireDns1123Label("k8s.namespaces entry", ns));
    namespaceMapping = Map.copyOf(Objects.requireNonNull(namespaceMapping, "k8s.namespace_mapping"));
    namespaceMapping.forEach(
        (from, to) -> {
          Names.requireDns1123Label("k8s.namespace_mapping key", from);
          Names.requireDns1123Label("k8s.namespace_mapping." + from, to);
        });
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("k8s.image must not be blank, was " + image);
    }
    command = List.copyOf(Objects.requireNonNull(command, "k8s.command"));
    args = List.copyOf(Objects.requireNonNull(args, "k8s.args"));
    if (backoffLimit < 0) {
      throw new IllegalArgumentException("k8s.backoff_limit must be >= 0, was " + backoffLimit);
    }
    atLeastSeconds("k8s.active_deadline", activeDeadline);
    atLeastSeconds("k8s.ttl_after_finished", ttlAfterFinished);
    Objects.requireNonNull(resources, "k8s.resources");
    namespaceResources = Map.copyOf(Objects.requireNonNull(namespaceResources, "k8s.namespace_resources"));
    namespaceResources.keySet().forEach(ns -> Names.requireDns1123Label("k8s.namespace_resources key", ns));
    Objects.requireNonNull(ingressBandwidth, "k8s.ingress_bandwidth").ifPresent(v -> quantity("k8s.ingress_bandwidth", v));
    Objects.requireNonNull(egressBandwidth, "k8s.egress_bandwidth").ifPresent(v -> quantity("k8s.egress_bandwidth", v));
    Objects.requireNonNull(quota, "k8s.quota");
    Settings.requirePositive("k8s.reconcile_interval", reconcileInterval);
    Settings.requirePositive("k8s.grace_period", gracePeriod);
    if (gracePeriod.compareTo(reconcileInterval) < 0) {
      throw new IllegalStateException(
          "k8s.grace_period (" + gracePeriod + ") must be >= k8s.reconcile_interval (" + reconcileInterval + ")");
    }
    Objects.requireNonNull(resilience, "k8s.resilience");
  }

  /** The defaults listed with the parameters. */
  public static K8sConfig defaults() {
    return new K8sConfig(
        Optional.empty(), Set.of("default"), Map.of(), "busybox:1.36", List.of(), List.of("$(PARSER_ID)"),
        0, Duration.ofMinutes(10), Duration.ofHours(1), K8sResources.defaults(), Map.of(),
        Optional.empty(), Optional.empty(), K8sQuota.defaults(), Duration.ofSeconds(10),
        Duration.ofSeconds(30), true, K8sResilience.defaults());
  }

  /** The Kubernetes namespace that a Sluice namespace's Jobs run in. */
  public String kubernetesNamespace(String namespace) {
    return namespaceMapping.getOrDefault(namespace, namespace);
  }

  /** The container resources of builds in {@code namespace}. */
  public K8sResources resourcesFor(String namespace) {
    return namespaceResources.getOrDefault(namespace, resources);
  }

  public K8sConfig withApiUrl(String value) {
    return new K8sConfig(Optional.ofNullable(value), namespaces, namespaceMapping, image, command, args,
        backoffLimit, activeDeadline, ttlAfterFinished, resources, namespaceResources, ingressBandwidth,
        egressBandwidth, quota, reconcileInterval, gracePeriod, watch, resilience);
  }

  public K8sConfig withNamespaces(Set<String> value) {
    return new K8sConfig(apiUrl, value, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, resources, namespaceResources, ingressBandwidth,
        egressBandwidth, quota, reconcileInterval, gracePeriod, watch, resilience);
  }

  public K8sConfig withNamespaceMapping(Map<String, String> value) {
    return new K8sConfig(apiUrl, namespaces, value, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, resources, namespaceResources, ingressBandwidth,
        egressBandwidth, quota, reconcileInterval, gracePeriod, watch, resilience);
  }

  public K8sConfig withResources(K8sResources value, Map<String, K8sResources> perNamespace) {
    return new K8sConfig(apiUrl, namespaces, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, value, perNamespace, ingressBandwidth, egressBandwidth,
        quota, reconcileInterval, gracePeriod, watch, resilience);
  }

  public K8sConfig withBandwidth(String ingress, String egress) {
    return new K8sConfig(apiUrl, namespaces, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, resources, namespaceResources, Optional.ofNullable(ingress),
        Optional.ofNullable(egress), quota, reconcileInterval, gracePeriod, watch, resilience);
  }

  public K8sConfig withQuota(K8sQuota value) {
    return new K8sConfig(apiUrl, namespaces, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, resources, namespaceResources, ingressBandwidth,
        egressBandwidth, value, reconcileInterval, gracePeriod, watch, resilience);
  }

  public K8sConfig withReconcile(Duration interval, Duration grace) {
    return new K8sConfig(apiUrl, namespaces, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, resources, namespaceResources, ingressBandwidth,
        egressBandwidth, quota, interval, grace, watch, resilience);
  }

  public K8sConfig withWatch(boolean value) {
    return new K8sConfig(apiUrl, namespaces, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, resources, namespaceResources, ingressBandwidth,
        egressBandwidth, quota, reconcileInterval, gracePeriod, value, resilience);
  }

  public K8sConfig withResilience(K8sResilience value) {
    return new K8sConfig(apiUrl, namespaces, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, resources, namespaceResources, ingressBandwidth,
        egressBandwidth, quota, reconcileInterval, gracePeriod, watch, value);
  }

  static BigDecimal quantity(String name, String value) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " must be a Kubernetes quantity such as 512Mi or 500m, was " + value);
    }
    try {
      return new Quantity(value).getNumber();
    } catch (RuntimeException e) {
      throw new IllegalArgumentException(
          name + " must be a Kubernetes quantity such as 512Mi or 500m, was \"" + value + "\"", e);
    }
  }

  private static void atLeastSeconds(String name, Duration value) {
    if (value == null || value.getSeconds() < 1) {
      throw new IllegalArgumentException(name + " must be at least 1s, was " + value);
    }
  }
}
