package network.notifi.sluice.jobs;

import java.time.Duration;
import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;
import network.notifi.sluice.common.Settings;
import network.notifi.sluice.jobs.spi.SlotLimits;

/**
 * The settings of build admission. Immutable; validated on construction, with messages that name
 * the setting as it is spelled in the configuration file.
 *
 * @param maxConcurrentJobs slots per namespace ({@code rate_limiting.max_concurrent_jobs}, 10)
 * @param namespaceLimits slots of particular namespaces, overriding {@code maxConcurrentJobs}
 *     ({@code jobs.namespace_limits}, none)
 * @param maxConcurrentTotal builds launching or running in all namespaces together at most ({@code
 *     jobs.max_concurrent_total}); 0, the default, for no such cap
 * @param maxConcurrentPerThirdParty builds of one third party launching or running in all
 *     namespaces together at most ({@code jobs.max_concurrent_per_third_party}); 0, the default, for
 *     no such cap. Builds without a third party count as one third party. Not above {@code
 *     maxConcurrentTotal} when both are set
 * @param namespaces the namespaces builds may name: {@code jobs.namespaces} ({@code [default]})
 *     and the keys of {@code jobs.namespace_limits}; a build naming another is refused. Operators
 *     own them: no client can create one, so everything kept per namespace is bounded by this set
 * @param defaultNamespace the namespace of requests that name none ({@code jobs.default_namespace},
 *     {@code default})
 * @param onCapacity what a start does when no slot is free ({@code jobs.on_capacity}, queue)
 * @param queueMaxDepth builds a namespace's queue holds at most ({@code jobs.queue_max_depth}, 1000)
 * @param failureBackoffPeriod the window a first failure opens ({@code
 *     rate_limiting.failure_backoff_period}, 5m); each further failure in a row doubles it
 * @param failureBackoffMax the longest window ({@code jobs.failure_backoff_max}, 1h)
 * @param leaseDuration how long a slot outlives its last renewal ({@code jobs.lease_duration}, 30s);
 *     leases are renewed every third of it, so a dead replica's slots free within this time
 * @param recordTtl how long build records are kept ({@code jobs.record_ttl}, 24h)
 * @param expectedBuildDuration the build duration assumed until builds have finished, for queue
 *     estimates and {@code Retry-After} ({@code jobs.expected_build_duration}, 1m)
 * @param dispatchInterval how often the dispatcher renews leases, reaps expired ones and drains
 *     queues besides reacting to build ends ({@code jobs.dispatch_interval}, 500ms)
 * @param local the local-process launcher ({@code jobs.local})
 */
public record JobsConfig(
    int maxConcurrentJobs,
    Map<String, Integer> namespaceLimits,
    int maxConcurrentTotal,
    int maxConcurrentPerThirdParty,
    Set<String> namespaces,
    String defaultNamespace,
    OnCapacity onCapacity,
    int queueMaxDepth,
    Duration failureBackoffPeriod,
    Duration failureBackoffMax,
    Duration leaseDuration,
    Duration recordTtl,
    Duration expectedBuildDuration,
    Duration dispatchInterval,
    Local local) {

  public JobsConfig {
    atLeast("rate_limiting.max_concurrent_jobs", maxConcurrentJobs, 1);
    namespaceLimits = Map.copyOf(Objects.requireNonNull(namespaceLimits, "jobs.namespace_limits"));
    namespaceLimits.forEach(
        (ns, limit) -> {
          Names.requireDns1123Label("jobs.namespace_limits key", ns);
          atLeast("jobs.namespace_limits." + ns, limit, 1);
        });
    atLeast("jobs.max_concurrent_total", maxConcurrentTotal, 0);
    atLeast("jobs.max_concurrent_per_third_party", maxConcurrentPerThirdParty, 0);
    if (maxConcurrentTotal > 0 && maxConcurrentPerThirdParty > maxConcurrentTotal) {
      throw new IllegalStateException("jobs.max_concurrent_per_third_party (" + maxConcurrentPerThirdParty
          + ") must be <= jobs.max_concurrent_total (" + maxConcurrentTotal + "): a third party can never"
          + " run more than the total");
    }
    Names.requireDns1123Label("jobs.default_namespace", defaultNamespace);
    Set<String> all = new TreeSet<>(Objects.requireNonNull(namespaces, "jobs.namespaces"));
    all.forEach(ns -> Names.requireDns1123Label("jobs.namespaces entry", ns));
    all.addAll(namespaceLimits.keySet());
    namespaces = Collections.unmodifiableSet(all);
    if (!namespaces.contains(defaultNamespace)) {
      throw new IllegalStateException("jobs.default_namespace (" + defaultNamespace + ") must be one of the"
          + " configured namespaces (jobs.namespaces and the keys of jobs.namespace_limits): " + namespaces);
    }
    Objects.requireNonNull(onCapacity, "jobs.on_capacity must be queue or reject, was null");
    atLeast("jobs.queue_max_depth", queueMaxDepth, 1);
    Settings.requirePositive("rate_limiting.failure_backoff_period", failureBackoffPeriod);
    Settings.requirePositive("jobs.failure_backoff_max", failureBackoffMax);
    if (failureBackoffMax.compareTo(failureBackoffPeriod) < 0) {
      throw new IllegalStateException(
          "jobs.failure_backoff_max ("
              + failureBackoffMax
              + ") must be >= rate_limiting.failure_backoff_period ("
              + failureBackoffPeriod
              + ")");
    }
    atLeast("jobs.lease_duration", leaseDuration, Duration.ofSeconds(1));
    Settings.requirePositive("jobs.record_ttl", recordTtl);
    Settings.requirePositive("jobs.expected_build_duration", expectedBuildDuration);
    Settings.requirePositive("jobs.dispatch_interval", dispatchInterval);
    if (dispatchInterval.compareTo(leaseDuration.dividedBy(3)) > 0) {
      throw new IllegalStateException(
          "jobs.dispatch_interval ("
              + dispatchInterval
              + ") must be <= a third of jobs.lease_duration ("
              + leaseDuration
              + "), or leases expire between renewals");
    }
    Objects.requireNonNull(local, "jobs.local");
  }

  /** The seed's defaults; see the parameters for each value. */
  public static JobsConfig defaults() {
    return new JobsConfig(
        10,
        Map.of(),
        0,
        0,
        Set.of("default"),
        "default",
        OnCapacity.QUEUE,
        1000,
        Duration.ofMinutes(5),
        Duration.ofHours(1),
        Duration.ofSeconds(30),
        Duration.ofHours(24),
        Duration.ofMinutes(1),
        Duration.ofMillis(500),
        Local.defaults());
  }

  /** Whether builds may name {@code namespace}. */
  public boolean isConfigured(String namespace) {
    return namespaces.contains(namespace);
  }

  public JobsConfig withNamespaces(Set<String> value) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, value, defaultNamespace, onCapacity, queueMaxDepth,
        failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl, expectedBuildDuration,
        dispatchInterval, local);
  }

  /** The slot limit of {@code namespace}. */
  public int limitFor(String namespace) {
    return namespaceLimits.getOrDefault(namespace, maxConcurrentJobs);
  }

  /** The limits a build of {@code namespace} takes its slot under: its slots and the caps. */
  public SlotLimits slotLimits(String namespace) {
    return new SlotLimits(limitFor(namespace), maxConcurrentTotal, maxConcurrentPerThirdParty);
  }

  /** Whether a cap across namespaces is set, so that a freed slot may let another namespace start. */
  public boolean hasCaps() {
    return maxConcurrentTotal > 0 || maxConcurrentPerThirdParty > 0;
  }

  /** This config with the caps across namespaces; 0 for none. */
  public JobsConfig withCaps(int total, int perThirdParty) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits, total, perThirdParty, namespaces, defaultNamespace,
        onCapacity, queueMaxDepth, failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl,
        expectedBuildDuration, dispatchInterval, local);
  }

  public JobsConfig withMaxConcurrentJobs(int value) {
    return new JobsConfig(value, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, onCapacity, queueMaxDepth,
        failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl, expectedBuildDuration,
        dispatchInterval, local);
  }

  public JobsConfig withNamespaceLimits(Map<String, Integer> value) {
    return new JobsConfig(maxConcurrentJobs, value,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, onCapacity, queueMaxDepth,
        failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl, expectedBuildDuration,
        dispatchInterval, local);
  }

  /** This config with {@code value} the default namespace, and a configured one. */
  public JobsConfig withDefaultNamespace(String value) {
    Set<String> withValue = new TreeSet<>(namespaces);
    withValue.add(value);
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, withValue, value, onCapacity, queueMaxDepth,
        failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl, expectedBuildDuration,
        dispatchInterval, local);
  }

  public JobsConfig withOnCapacity(OnCapacity value) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, value, queueMaxDepth,
        failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl, expectedBuildDuration,
        dispatchInterval, local);
  }

  public JobsConfig withQueueMaxDepth(int value) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, onCapacity, value,
        failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl, expectedBuildDuration,
        dispatchInterval, local);
  }

  public JobsConfig withFailureBackoff(Duration period, Duration max) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, onCapacity,
        queueMaxDepth, period, max, leaseDuration, recordTtl, expectedBuildDuration,
        dispatchInterval, local);
  }

  public JobsConfig withLeaseDuration(Duration value) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, onCapacity,
        queueMaxDepth, failureBackoffPeriod, failureBackoffMax, value, recordTtl,
        expectedBuildDuration, dispatchInterval, local);
  }

  public JobsConfig withRecordTtl(Duration value) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, onCapacity,
        queueMaxDepth, failureBackoffPeriod, failureBackoffMax, leaseDuration, value,
        expectedBuildDuration, dispatchInterval, local);
  }

  public JobsConfig withExpectedBuildDuration(Duration value) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, onCapacity,
        queueMaxDepth, failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl, value,
        dispatchInterval, local);
  }

  public JobsConfig withDispatchInterval(Duration value) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, onCapacity,
        queueMaxDepth, failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl,
        expectedBuildDuration, value, local);
  }

  public JobsConfig withLocal(Local value) {
    return new JobsConfig(maxConcurrentJobs, namespaceLimits,
        maxConcurrentTotal, maxConcurrentPerThirdParty, namespaces, defaultNamespace, onCapacity,
        queueMaxDepth, failureBackoffPeriod, failureBackoffMax, leaseDuration, recordTtl,
        expectedBuildDuration, dispatchInterval, value);
  }

  /**
   * The local-process launcher ({@code jobs.launcher: local}, the embedded default).
   *
   * @param command run through {@code /bin/sh -c} with {@code PARSER_ID}, {@code BUILD_ID}, {@code
   *     NAMESPACE} and {@code THIRD_PARTY_ID} in its environment ({@code jobs.local.command}; a demo
   *     build of about three seconds)
   * @param timeout a build running longer is killed with its child processes and fails ({@code
   *     jobs.local.timeout}, 10m)
   * @param logLimitBytes the tail of each build's output that is kept ({@code
   *     jobs.local.log_limit_bytes}, 64 KiB)
   */
  public record Local(String command, Duration timeout, int logLimitBytes) {

    /** A harmless build of about three seconds. */
    public static final String DEMO_COMMAND = "echo \"building $PARSER_ID\"; sleep 3; echo done";

    public Local {
      if (command == null || command.isBlank()) {
        throw new IllegalArgumentException("jobs.local.command must not be blank, was " + command);
      }
      Settings.requirePositive("jobs.local.timeout", timeout);
      atLeast("jobs.local.log_limit_bytes", logLimitBytes, 1024);
    }

    public static Local defaults() {
      return new Local(DEMO_COMMAND, Duration.ofMinutes(10), 64 * 1024);
    }
  }

  private static void atLeast(String name, int value, int min) {
    if (value < min) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", was " + value);
    }
  }

  private static void atLeast(String name, Duration value, Duration min) {
    if (value == null || value.compareTo(min) < 0) {
      throw new IllegalArgumentException(name + " must be >= " + min + ", was " + value);
    }
  }
}
