package network.notifi.sluice.api.config;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import network.notifi.sluice.jobs.JobsConfig;

/**
 * The {@code jobs} section (with the seed's {@code rate_limiting} keys that build admission takes:
 * {@code max_concurrent_jobs}, {@code failure_backoff_period}) and, through {@link
 * KubernetesSettings}, the {@code k8s} section its launcher reads.
 */
final class JobsSettings {

  private JobsSettings() {}

  static SluiceConfig.Jobs read(ConfigSource source, SluiceConfig.RateLimiting rateLimiting) {
    JobsConfig d = JobsConfig.defaults();
    Map<String, Integer> namespaceLimits = new LinkedHashMap<>();
    for (String namespace : source.keys("jobs.namespace_limits")) {
      namespaceLimits.put(
          namespace, source.intValue("jobs.namespace_limits." + namespace, rateLimiting.maxConcurrentJobs()));
    }
    var local = source.validated(() -> new JobsConfig.Local(
        source.string("jobs.local.command", d.local().command()),
        source.duration("jobs.local.timeout", d.local().timeout()),
        source.intValue("jobs.local.log_limit_bytes", d.local().logLimitBytes())));
    var launcher = source.enumValue("jobs.launcher", SluiceConfig.Jobs.defaults().launcher());
    String defaultNamespace = source.string("jobs.default_namespace", d.defaultNamespace());
    // Without a list, the one namespace builds may name is the default one.
    var namespaces = new LinkedHashSet<>(source.list("jobs.namespaces", List.of(defaultNamespace)));
    return source.validated(() -> new SluiceConfig.Jobs(
        new JobsConfig(
            rateLimiting.maxConcurrentJobs(),
            namespaceLimits,
            source.intValue("jobs.max_concurrent_total", d.maxConcurrentTotal()),
            source.intValue("jobs.max_concurrent_per_third_party", d.maxConcurrentPerThirdParty()),
            namespaces,
            defaultNamespace,
            source.enumValue("jobs.on_capacity", d.onCapacity()),
            source.intValue("jobs.queue_max_depth", d.queueMaxDepth()),
            rateLimiting.failureBackoffPeriod(),
            source.duration("jobs.failure_backoff_max", d.failureBackoffMax()),
            source.duration("jobs.lease_duration", d.leaseDuration()),
            source.duration("jobs.record_ttl", d.recordTtl()),
            source.duration("jobs.expected_build_duration", d.expectedBuildDuration()),
            source.duration("jobs.dispatch_interval", d.dispatchInterval()),
            local),
        launcher,
        KubernetesSettings.read(source, rateLimiting),
        source.enumValue("jobs.failure_mode", SluiceConfig.Jobs.defaults().failureMode())));
  }
}
