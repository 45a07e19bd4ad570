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
    Resources resources,
    Map<String, Resources> namespaceResources,
    Optional<String> ingressBandwidth,
    Optional<String> egressBandwidth,
    Quota quota,
    Duration reconcileInterval,
    Duration gracePeriod,
    boolean watch,
    Resilience resilience) {

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
        0, Duration.ofMinutes(10), Duration.ofHours(1), Resources.defaults(), Map.of(),
        Optional.empty(), Optional.empty(), Quota.defaults(), Duration.ofSeconds(10),
        Duration.ofSeconds(30), true, Resilience.defaults());
  }

  /** The Kubernetes namespace that a Sluice namespace's Jobs run in. */
  public String kubernetesNamespace(String namespace) {
    return namespaceMapping.getOrDefault(namespace, namespace);
  }

  /** The container resources of builds in {@code namespace}. */
  public Resources resourcesFor(String namespace) {
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

  public K8sConfig withResources(Resources value, Map<String, Resources> perNamespace) {
    return new K8sConfig(apiUrl, namespaces, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, value, perNamespace, ingressBandwidth, egressBandwidth,
        quota, reconcileInterval, gracePeriod, watch, resilience);
  }

  public K8sConfig withBandwidth(String ingress, String egress) {
    return new K8sConfig(apiUrl, namespaces, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, resources, namespaceResources, Optional.ofNullable(ingress),
        Optional.ofNullable(egress), quota, reconcileInterval, gracePeriod, watch, resilience);
  }

  public K8sConfig withQuota(Quota value) {
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

  public K8sConfig withResilience(Resilience value) {
    return new K8sConfig(apiUrl, namespaces, namespaceMapping, image, command, args, backoffLimit,
        activeDeadline, ttlAfterFinished, resources, namespaceResources, ingressBandwidth,
        egressBandwidth, quota, reconcileInterval, gracePeriod, watch, value);
  }

  /**
   * Requests and limits of the build container, as Kubernetes quantities ({@code 512Mi}, {@code
   * 500m}). Each request must be <= its limit.
   */
  public record Resources(
      String requestsMemory,
      String requestsCpu,
      String requestsEphemeralStorage,
      String limitsMemory,
      String limitsCpu,
      String limitsEphemeralStorage) {

    public Resources {
      notAbove("memory", quantity("k8s.resources.requests.memory", requestsMemory),
          quantity("k8s.resources.limits.memory", limitsMemory));
      notAbove("cpu", quantity("k8s.resources.requests.cpu", requestsCpu),
          quantity("k8s.resources.limits.cpu", limitsCpu));
      notAbove("ephemeral-storage",
          quantity("k8s.resources.requests.ephemeral-storage", requestsEphemeralStorage),
          quantity("k8s.resources.limits.ephemeral-storage", limitsEphemeralStorage));
    }

    /** 256Mi / 250m / 1Gi requested, 1Gi / 1 / 2Gi limits (memory / cpu / ephemeral-storage). */
    public static Resources defaults() {
      return new Resources("256Mi", "250m", "1Gi", "1Gi", "1", "2Gi");
    }

    private static void notAbove(String resource, BigDecimal request, BigDecimal limit) {
      if (request.compareTo(limit) > 0) {
        throw new IllegalStateException(
            "k8s.resources.requests." + resource + " must be <= k8s.resources.limits." + resource);
      }
    }
  }

  /**
   * The ResourceQuota of each managed namespace.
   *
   * @param ensure create the quota named {@code name} where it is missing ({@code k8s.quota.ensure},
   *     false)
   * @param check check that a Job fits every quota of its namespace before creating it ({@code
   *     k8s.quota.check}, true)
   * @param name the ensured quota's name ({@code k8s.quota.name}, {@code sluice-builds})
   * @param jobs {@code count/jobs.batch} ({@code k8s.quota.jobs}, 10)
   * @param limitsMemory {@code limits.memory} ({@code k8s.quota.limits_memory}, 16Gi)
   * @param limitsCpu {@code limits.cpu} ({@code k8s.quota.limits_cpu}, 16)
   * @param requestsEphemeralStorage {@code requests.ephemeral-storage} ({@code
   *     k8s.quota.requests_ephemeral_storage}, 20Gi)
   */
  public record Quota(
      boolean ensure,
      boolean check,
      String name,
      int jobs,
      String limitsMemory,
      String limitsCpu,
      String requestsEphemeralStorage) {

    public Quota {
      Names.requireDns1123Label("k8s.quota.name", name);
      if (jobs < 1) {
        throw new IllegalArgumentException("k8s.quota.jobs must be >= 1, was " + jobs);
      }
      quantity("k8s.quota.limits_memory", limitsMemory);
      quantity("k8s.quota.limits_cpu", limitsCpu);
      quantity("k8s.quota.requests_ephemeral_storage", requestsEphemeralStorage);
    }

    public static Quota defaults() {
      return new Quota(false, true, "sluice-builds", 10, "16Gi", "16", "20Gi");
    }

    public Quota withEnsure(boolean value) {
      return new Quota(value, check, name, jobs, limitsMemory, limitsCpu, requestsEphemeralStorage);
    }

    public Quota withJobs(int value) {
      return new Quota(ensure, check, name, value, limitsMemory, limitsCpu, requestsEphemeralStorage);
    }
  }

  /**
   * Resilience4j settings of API calls.
   *
   * @param maxRetries retries after the first attempt ({@code rate_limiting.max_retries}, 3)
   * @param retryBaseDelay the first retry's delay ({@code rate_limiting.retry_base_delay}, 100ms);
   *     each further one doubles, with jitter
   * @param retryMaxDelay the longest delay ({@code k8s.resilience.retry_max_delay}, 3.2s)
   * @param jitter randomisation factor of each delay, 0 to 1 ({@code k8s.resilience.jitter_percent}
   *     in percent, 50)
   * @param breakerWindow calls in the breaker's sliding window ({@code k8s.resilience.breaker_window},
   *     20)
   * @param breakerMinimumCalls calls before the breaker may open ({@code
   *     k8s.resilience.breaker_minimum_calls}, 10)
   * @param breakerFailureRate percent of failed calls that opens it ({@code
   *     k8s.resilience.breaker_failure_rate_percent}, 50)
   * @param breakerOpenFor how long it stays open before probing ({@code
   *     k8s.resilience.breaker_open_for}, 10s)
   * @param bulkhead concurrent API calls at most ({@code k8s.resilience.bulkhead}, 16)
   * @param callTimeout the time limit of one attempt ({@code k8s.resilience.call_timeout}, 10s)
   */
  public record Resilience(
      int maxRetries,
      Duration retryBaseDelay,
      Duration retryMaxDelay,
      double jitter,
      int breakerWindow,
      int breakerMinimumCalls,
      float breakerFailureRate,
      Duration breakerOpenFor,
      int bulkhead,
      Duration callTimeout) {

    public Resilience {
      if (maxRetries < 0) {
        throw new IllegalArgumentException("rate_limiting.max_retries must be >= 0, was " + maxRetries);
      }
      Settings.requirePositive("rate_limiting.retry_base_delay", retryBaseDelay);
      Settings.requirePositive("k8s.resilience.retry_max_delay", retryMaxDelay);
      if (retryMaxDelay.compareTo(retryBaseDelay) < 0) {
        throw new IllegalStateException("k8s.resilience.retry_max_delay (" + retryMaxDelay
            + ") must be >= rate_limiting.retry_base_delay (" + retryBaseDelay + ")");
      }
      if (!(jitter >= 0 && jitter < 1)) {
        throw new IllegalArgumentException(
            "k8s.resilience.jitter_percent must be >= 0 and < 100, was " + Math.round(jitter * 100));
      }
      if (breakerWindow < 1) {
        throw new IllegalArgumentException("k8s.resilience.breaker_window must be >= 1, was " + breakerWindow);
      }
      if (breakerMinimumCalls < 1) {
        throw new IllegalArgumentException(
            "k8s.resilience.breaker_minimum_calls must be >= 1, was " + breakerMinimumCalls);
      }
      if (!(breakerFailureRate > 0 && breakerFailureRate <= 100)) {
        throw new IllegalArgumentException(
            "k8s.resilience.breaker_failure_rate_percent must be > 0 and <= 100, was " + Math.round(breakerFailureRate));
      }
      Settings.requirePositive("k8s.resilience.breaker_open_for", breakerOpenFor);
      if (bulkhead < 1) {
        throw new IllegalArgumentException("k8s.resilience.bulkhead must be >= 1, was " + bulkhead);
      }
      Settings.requirePositive("k8s.resilience.call_timeout", callTimeout);
    }

    public static Resilience defaults() {
      return new Resilience(3, Duration.ofMillis(100), Duration.ofMillis(3200), 0.5, 20, 10, 50f,
          Duration.ofSeconds(10), 16, Duration.ofSeconds(10));
    }

    public Resilience withBreaker(int window, int minimumCalls, Duration openFor) {
      return new Resilience(maxRetries, retryBaseDelay, retryMaxDelay, jitter, window, minimumCalls,
          breakerFailureRate, openFor, bulkhead, callTimeout);
    }

    public Resilience withRetries(int value) {
      return new Resilience(value, retryBaseDelay, retryMaxDelay, jitter, breakerWindow,
          breakerMinimumCalls, breakerFailureRate, breakerOpenFor, bulkhead, callTimeout);
    }

    public Resilience withCallTimeout(Duration value) {
      return new Resilience(maxRetries, retryBaseDelay, retryMaxDelay, jitter, breakerWindow,
          breakerMinimumCalls, breakerFailureRate, breakerOpenFor, bulkhead, value);
    }
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
