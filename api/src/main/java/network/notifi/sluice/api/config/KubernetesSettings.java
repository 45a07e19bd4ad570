package network.notifi.sluice.api.config;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.k8s.K8sConfig;
import network.notifi.sluice.k8s.K8sQuota;
import network.notifi.sluice.k8s.K8sResilience;
import network.notifi.sluice.k8s.K8sResources;

/**
 * The {@code k8s} section: the Jobs' shape, resources (default and per namespace), quota and the
 * API's resilience, whose retries take the seed's {@code rate_limiting.max_retries} and {@code
 * retry_base_delay}.
 */
final class KubernetesSettings {

  private KubernetesSettings() {}

  static K8sConfig read(ConfigSource source, SluiceConfig.RateLimiting rateLimiting) {
    K8sConfig d = K8sConfig.defaults();
    String apiUrl = source.string("k8s.api_url", d.apiUrl().orElse(""));
    Map<String, String> mapping = new LinkedHashMap<>();
    for (String namespace : source.keys("k8s.namespace_mapping")) {
      mapping.put(namespace, source.string("k8s.namespace_mapping." + namespace, namespace));
    }
    var resources = resources(source, "k8s.resources", d.resources());
    Map<String, K8sResources> perNamespace = new LinkedHashMap<>();
    for (String namespace : source.keys("k8s.namespace_resources")) {
      perNamespace.put(namespace, resources(source, "k8s.namespace_resources." + namespace, resources));
    }
    var q = d.quota();
    var r = d.resilience();
    var quota = source.validated(() -> new K8sQuota(
        source.booleanValue("k8s.quota.ensure", q.ensure()),
        source.booleanValue("k8s.quota.check", q.check()),
        source.string("k8s.quota.name", q.name()),
        source.intValue("k8s.quota.jobs", q.jobs()),
        source.string("k8s.quota.limits_memory", q.limitsMemory()),
        source.string("k8s.quota.limits_cpu", q.limitsCpu()),
        source.string("k8s.quota.requests_ephemeral_storage", q.requestsEphemeralStorage())));
    var resilience = source.validated(() -> new K8sResilience(
        rateLimiting.maxRetries(),
        rateLimiting.retryBaseDelay(),
        source.duration("k8s.resilience.retry_max_delay", r.retryMaxDelay()),
        source.intValue("k8s.resilience.jitter_percent", (int) Math.round(r.jitter() * 100)) / 100.0,
        source.intValue("k8s.resilience.breaker_window", r.breakerWindow()),
        source.intValue("k8s.resilience.breaker_minimum_calls", r.breakerMinimumCalls()),
        source.intValue("k8s.resilience.breaker_failure_rate_percent", Math.round(r.breakerFailureRate())),
        source.duration("k8s.resilience.breaker_open_for", r.breakerOpenFor()),
        source.intValue("k8s.resilience.bulkhead", r.bulkhead()),
        source.duration("k8s.resilience.call_timeout", r.callTimeout())));
    return source.validated(() -> new K8sConfig(
        optional(apiUrl),
        new LinkedHashSet<>(source.list("k8s.namespaces", List.copyOf(d.namespaces()))),
        mapping,
        source.string("k8s.image", d.image()),
        source.list("k8s.command", d.command()),
        source.list("k8s.args", d.args()),
        source.intValue("k8s.backoff_limit", d.backoffLimit()),
        source.duration("k8s.active_deadline", d.activeDeadline()),
        source.duration("k8s.ttl_after_finished", d.ttlAfterFinished()),
        resources,
        perNamespace,
        optional(source.string("k8s.ingress_bandwidth", d.ingressBandwidth().orElse(""))),
        optional(source.string("k8s.egress_bandwidth", d.egressBandwidth().orElse(""))),
        quota,
        source.duration("k8s.reconcile_interval", d.reconcileInterval()),
        source.duration("k8s.grace_period", d.gracePeriod()),
        source.booleanValue("k8s.watch", d.watch()),
        resilience));
  }

  private static K8sResources resources(ConfigSource source, String path, K8sResources d) {
    return source.validated(() -> new K8sResources(
        source.string(path + ".requests.memory", d.requestsMemory()),
        source.string(path + ".requests.cpu", d.requestsCpu()),
        source.string(path + ".requests.ephemeral_storage", d.requestsEphemeralStorage()),
        source.string(path + ".limits.memory", d.limitsMemory()),
        source.string(path + ".limits.cpu", d.limitsCpu()),
        source.string(path + ".limits.ephemeral_storage", d.limitsEphemeralStorage())));
  }

  private static Optional<String> optional(String value) {
    return value.isBlank() ? Optional.empty() : Optional.of(value);
  }
}
