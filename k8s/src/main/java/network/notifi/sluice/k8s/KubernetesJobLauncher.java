package network.notifi.sluice.k8s;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import io.kubernetes.client.openapi.models.V1ResourceQuotaSpec;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobListener;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.SlotStore;
import network.notifi.sluice.k8s.internal.JobWatcher;
import network.notifi.sluice.k8s.internal.Labels;
import network.notifi.sluice.k8s.internal.QuotaMath;
import network.notifi.sluice.k8s.internal.Reconciler;
import network.notifi.sluice.k8s.internal.ResilientApi;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs builds as Kubernetes Jobs through the official client ({@code jobs.launcher: kubernetes}).
 *
 * <p>{@link #launch} creates the build's Job (named by {@link JobSpecFactory#jobName}, so a retried
 * create that meets {@code 409 AlreadyExists} for its own Job is a success). Before creating, it
 * ensures the namespace's ResourceQuota when configured and checks that the Job fits every quota of
 * the namespace; a Job that does not fit, a {@code 403 exceeded quota}, an open circuit breaker or
 * an API that stays unreachable through the retries fail the launch with {@link
 * LaunchDeferredException} (reason {@code quota} or {@code kubernetes_unavailable}): the build
 * belongs back in the queue, it did not fail.
 *
 * <p>Ends are found by listing the managed Jobs of each namespace every {@code
 * k8s.reconcile_interval} (the path that always works), and sooner through a watch when {@code
 * k8s.watch} is on. Complete: succeeded. Failed: failed with the controller's reason. Gone before it
 * ended: failed, "job deleted outside sluice". With a {@link SlotStore} given to the {@link
 * Builder}, each round also reconciles slots with the Jobs that exist: a slot whose Job has not
 * existed for {@code k8s.grace_period} is released and its build reported failed; a running managed
 * Job without a slot gets one (adopted, kept renewed while it runs, even above the limit).
 *
 * <p>Every API call goes through Retry, CircuitBreaker, Bulkhead and TimeLimiter ({@link
 * K8sConfig.Resilience}); {@link #health()} shows the breaker. Thread-safe; no method blocks.
 */
public final class KubernetesJobLauncher implements JobLauncher {

  private static final Logger log = LoggerFactory.getLogger(KubernetesJobLauncher.class);

  /** Ends kept for a listener that has not registered yet, at most. */
  private static final int UNHEARD_KEPT = 10_000;

  private final K8sConfig config;
  private final JobSpecFactory specs;
  private final BatchV1Api batch;
  private final CoreV1Api core;
  private final ResilientApi api;
  private final Reconciler reconciler;
  private final JobWatcher watcher;
  private final List<JobListener> listeners = new CopyOnWriteArrayList<>();
  // Ends seen before the first listener registered (a first reconcile round can be that early);
  // at most UNHEARD_KEPT, for a launcher that never gets one. Guards the listener registration too.
  private final Deque<JobOutcome> unheard = new ArrayDeque<>();
  private final Set<String> quotaEnsured = ConcurrentHashMap.newKeySet();
  // Quota check + create run one at a time per Kubernetes namespace, so this replica never
  // overbooks a quota by racing itself; the API server's own check guards across replicas.
  private final Map<String, CompletableFuture<?>> createChains = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop;
  private boolean started;
  private volatile boolean closed;

  private KubernetesJobLauncher(Builder b) {
    this.config = b.config;
    this.specs = JobSpecFactory.of(config);
    this.batch = new BatchV1Api(b.client);
    this.core = new CoreV1Api(b.client);
    this.api = new ResilientApi(config.resilience(), b.registry, b.clock);
    this.reconciler = new Reconciler(config, batch, api, b.slots, b.leaseDuration, b.clock, this::report,
        () -> !listeners.isEmpty());
    ApiClient watchClient = b.watchClient != null ? b.watchClient : b.client;
    this.watcher = config.watch()
        ? new JobWatcher(watchClient, new BatchV1Api(watchClient), config, reconciler)
        : null;
    this.loop = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-k8s-reconcile"));
  }

  /** A launcher over {@code client}; call {@link #start()} to begin tracking Jobs. */
  public static Builder builder(K8sConfig config, ApiClient client) {
    return new Builder(config, client);
  }

  /**
   * Begins the periodic list and reconciliation (every {@code k8s.reconcile_interval}) and the watch,
   * and ensures the quotas of the configured namespaces. Idempotent.
   */
  public KubernetesJobLauncher start() {
    long period = config.reconcileInterval().toMillis();
    synchronized (this) {
      if (started) {
        return this;
      }
      started = true;
    }
    loop.scheduleWithFixedDelay(this::reconcileQuietly, 0, period, TimeUnit.MILLISECONDS);
    if (watcher != null) {
      config.namespaces().forEach(ns -> watcher.watch(config.kubernetesNamespace(ns)));
    }
    return this;
  }

  /** Registers a listener; ends seen before the first one registered are reported to it now. */
  @Override
  public void addListener(JobListener listener) {
    Objects.requireNonNull(listener, "listener");
    List<JobOutcome> missed;
    synchronized (unheard) {
      listeners.add(listener);
      missed = List.copyOf(unheard);
      unheard.clear();
    }
    missed.forEach(outcome -> tell(listener, outcome));
  }

  @Override
  public CompletableFuture<Void> launch(Build build) {
    Objects.requireNonNull(build, "build");
    if (closed) {
      return CompletableFuture.failedFuture(new IllegalStateException("launcher is closed"));
    }
    String namespace = config.kubernetesNamespace(build.namespace());
    reconciler.manage(build.namespace());
    if (watcher != null) {
      watcher.watch(namespace);
    }
    V1Job job = specs.jobFor(build);
    CompletableFuture<Void> result = new CompletableFuture<>();
    reconciler.launching(build.id());
    result.whenComplete((v, e) -> reconciler.launched(build.id()));
    if (!config.quota().check()) {
      ensureQuota(namespace).thenCompose(v -> create(namespace, job, build)).whenComplete((v, e) -> {
        if (e == null) {
          result.complete(null);
        } else {
          result.completeExceptionally(translate(ResilientApi.unwrap(e), build));
        }
      });
      return result;
    }
    createChains.compute(namespace, (ns, previous) -> {
      CompletableFuture<?> before = previous == null ? CompletableFuture.completedFuture(null) : previous;
      CompletableFuture<Void> mine = before
          .handle((v, e) -> null)
          .thenCompose(v -> ensureQuota(ns))
          .thenCompose(v -> checkQuota(ns, job))
          .thenCompose(v -> create(ns, job, build));
      mine.whenComplete((v, e) -> {
        if (e == null) {
          result.complete(null);
        } else {
          result.completeExceptionally(translate(ResilientApi.unwrap(e), build));
        }
      });
      return mine;
    });
    return result;
  }

  @Override
  public CompletableFuture<Boolean> cancel(String namespace, String buildId) {
    String ns = config.kubernetesNamespace(namespace);
    String name = JobSpecFactory.jobName(buildId);
    reconciler.forget(buildId, ns);
    return api.call(() -> batch.deleteNamespacedJob(name, ns)
            .body(new V1DeleteOptions().propagationPolicy("Background"))
            .execute())
        .handle((status, error) -> {
          if (error == null) {
            report(JobOutcome.failedNotByParser(buildId, namespace, "cancelled"));
            return true;
          }
          if (ResilientApi.status(error) == 404) {
            return false;
          }
          reconciler.track(buildId, namespace, ns);
          throw new CompletionException(ResilientApi.unwrap(error));
        });
  }

  /**
   * One round now: lists the managed Jobs of every known namespace, reports ends, reconciles slots.
   * The periodic loop runs the same; tests call it to avoid waiting for the interval.
   */
  public CompletableFuture<Void> reconcileNow() {
    return reconciler.round();
  }

  /** The API's health as the circuit breaker sees it; while unavailable, do not start builds. */
  /** False while the API's circuit breaker is open: the core then queues builds and pauses dispatching. */
  @Override
  public boolean available() {
    return health().available();
  }

  public ApiHealth health() {
    return new ApiHealth(api.available(), api.breaker().getState().name().toLowerCase(Locale.ROOT));
  }

  /** The Resilience4j pieces, for metrics and tests. */
  public ResilientApi resilience() {
    return api;
  }

  public K8sConfig config() {
    return config;
  }

  /** Stops the loop and the watches; Jobs keep running in the cluster. */
  @Override
  public void close() {
    closed = true;
    loop.shutdownNow();
    if (watcher != null) {
      watcher.close();
    }
    api.close();
  }

  private void report(JobOutcome outcome) {
    synchronized (unheard) {
      if (listeners.isEmpty()) {
        if (unheard.size() == UNHEARD_KEPT) {
          unheard.removeFirst();
        }
        unheard.addLast(outcome);
        return;
      }
    }
    for (JobListener listener : listeners) {
      tell(listener, outcome);
    }
  }

  private static void tell(JobListener listener, JobOutcome outcome) {
    try {
      listener.onJobEnded(outcome);
    } catch (RuntimeException e) {
      log.error("job listener failed on {}", outcome, e);
    }
  }

  private void reconcileQuietly() {
    try {
      reconciler.round().get(config.reconcileInterval().multipliedBy(10).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      Throwable cause = ResilientApi.unwrap(e);
      if (cause instanceof CallNotPermittedException) {
        log.debug("reconcile round skipped: the API circuit breaker is open");
      } else {
        log.warn("reconcile round failed; next in {}: {}", config.reconcileInterval(), cause.toString());
      }
    }
  }

  private CompletableFuture<Void> ensureQuota(String namespace) {
    K8sConfig.Quota quota = config.quota();
    if (!quota.ensure() || quotaEnsured.contains(namespace)) {
      return CompletableFuture.completedFuture(null);
    }
    V1ResourceQuota wanted = new V1ResourceQuota()
        .apiVersion("v1")
        .kind("ResourceQuota")
        .metadata(new V1ObjectMeta()
            .name(quota.name())
            .namespace(namespace)
            .labels(Map.of(Labels.MANAGED_BY, Labels.MANAGER)))
        .spec(new V1ResourceQuotaSpec().hard(Map.of(
            QuotaMath.COUNT_JOBS, new Quantity(Integer.toString(quota.jobs())),
            "limits.memory", new Quantity(quota.limitsMemory()),
            "limits.cpu", new Quantity(quota.limitsCpu()),
            "requests.ephemeral-storage", new Quantity(quota.requestsEphemeralStorage()))));
    return api.call(() -> core.readNamespacedResourceQuota(quota.name(), namespace).execute())
        .handle((found, error) -> error)
        .thenCompose(error -> {
          if (error == null) {
            return CompletableFuture.completedFuture(null);
          }
          if (ResilientApi.status(error) != 404) {
            return CompletableFuture.failedFuture(error);
          }
          return api.call(() -> core.createNamespacedResourceQuota(namespace, wanted).execute())
              .handle((created, e) -> {
                if (e != null && ResilientApi.status(e) != 409) {
                  throw new CompletionException(ResilientApi.unwrap(e));
                }
                log.info("ResourceQuota {} ensured in {}", quota.name(), namespace);
                return null;
              });
        })
        .thenRun(() -> quotaEnsured.add(namespace));
  }

  private CompletableFuture<Void> checkQuota(String namespace, V1Job job) {
    if (!config.quota().check()) {
      return CompletableFuture.completedFuture(null);
    }
    return api.call(() -> core.listNamespacedResourceQuota(namespace).execute())
        .thenCompose(quotas -> {
          if (quotas.getItems() == null || quotas.getItems().isEmpty()) {
            return CompletableFuture.completedFuture(null);
          }
          return reconciler.listManaged(namespace).thenApply(jobs -> {
            for (V1ResourceQuota quota : quotas.getItems()) {
              Optional<String> why = QuotaMath.doesNotFit(quota, job, jobs);
              if (why.isPresent()) {
                throw new LaunchDeferredException(LaunchDeferredException.QUOTA, why.get(), null);
              }
            }
            return null;
          });
        });
  }

  /**
   * Creates the build's Job. A create that failed without a definite answer (timed out, 5xx,
   * connection lost: the Job may exist all the same) or met {@code 409} is resolved by reading the
   * Job under its deterministic name: if it exists for this build, the launch succeeded, so a
   * client's retry never makes a second Job; if it does not, the create's own error stands.
   */
  private CompletableFuture<Void> create(String namespace, V1Job job, Build build) {
    String name = job.getMetadata().getName();
    return api.call(() -> batch.createNamespacedJob(namespace, job).execute())
        .thenApply(created -> {
          reconciler.track(build.id(), build.namespace(), namespace);
          return (Void) null;
        })
        .exceptionallyCompose(error -> {
          int status = ResilientApi.status(error);
          if (status != 409 && !ResilientApi.isTransient(ResilientApi.unwrap(error))) {
            return CompletableFuture.failedFuture(error);
          }
          return api.call(() -> batch.readNamespacedJob(name, namespace).execute())
              .handle((existing, readError) -> {
                if (readError != null) {
                  if (status != 409) {
                    log.warn("create of Job {}/{} for build {} failed ({}) and reading it back failed too ({})",
                        namespace, name, build.id(), ResilientApi.unwrap(error), ResilientApi.unwrap(readError));
                  }
                  throw new CompletionException(status == 409 ? ResilientApi.unwrap(readError) : ResilientApi.unwrap(error));
                }
                Map<String, String> annotations = existing.getMetadata().getAnnotations();
                if (annotations != null && build.id().equals(annotations.get(Labels.BUILD_ID))) {
                  if (status != 409) {
                    log.info("create of Job {}/{} for build {} failed ({}) but the Job exists: launched", namespace,
                        name, build.id(), ResilientApi.unwrap(error));
                  }
                  reconciler.track(build.id(), build.namespace(), namespace);
                  return null;
                }
                throw new IllegalStateException(
                    "Job " + namespace + "/" + name + " exists and belongs to another build");
              });
        });
  }

  private static Throwable translate(Throwable error, Build build) {
    if (error instanceof LaunchDeferredException) {
      return error;
    }
    if (error instanceof CallNotPermittedException) {
      return new LaunchDeferredException(LaunchDeferredException.API_UNAVAILABLE,
          "Kubernetes API circuit breaker is open; build " + build.id() + " not started", error);
    }
    if (error instanceof ApiException api && api.getCode() == 403
        && String.valueOf(api.getResponseBody()).toLowerCase(Locale.ROOT).contains("exceeded quota")) {
      return new LaunchDeferredException(LaunchDeferredException.QUOTA,
          "the API server refused the Job: exceeded quota", error);
    }
    if (ResilientApi.isTransient(error)) {
      return new LaunchDeferredException(LaunchDeferredException.API_UNAVAILABLE,
          "Kubernetes API unavailable after retries: " + error, error);
    }
    return error;
  }

  /** Settings of a {@link KubernetesJobLauncher}; {@code config} and {@code client} are required. */
  public static final class Builder {
    private final K8sConfig config;
    private final ApiClient client;
    private MeterRegistry registry = new SimpleMeterRegistry();
    private SlotStore slots;
    private Duration leaseDuration = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private ApiClient watchClient;

    private Builder(K8sConfig config, ApiClient client) {
      this.config = Objects.requireNonNull(config, "config");
      this.client = Objects.requireNonNull(client, "client");
    }

    public Builder meterRegistry(MeterRegistry value) {
      this.registry = Objects.requireNonNull(value, "registry");
      return this;
    }

    /**
     * Reconciles the slots of {@code store} with the Jobs that exist; adopted Jobs hold leases of
     * {@code leaseDuration} ({@code jobs.lease_duration}), renewed every round.
     *
     * @throws IllegalStateException if {@code k8s.reconcile_interval} exceeds a third of the lease
     */
    public Builder reconcileSlots(SlotStore store, Duration leaseDuration) {
      if (config.reconcileInterval().compareTo(leaseDuration.dividedBy(3)) > 0) {
        throw new IllegalStateException("k8s.reconcile_interval (" + config.reconcileInterval()
            + ") must be <= a third of jobs.lease_duration (" + leaseDuration
            + "), or adopted Jobs lose their slots between renewals");
      }
      Duration renewalSeen = leaseDuration.dividedBy(3).plus(config.reconcileInterval());
      if (config.gracePeriod().compareTo(renewalSeen) < 0) {
        log.warn("k8s.grace_period ({}) is below a third of jobs.lease_duration plus k8s.reconcile_interval ({}):"
            + " a slot whose Job another replica is still creating may be released before its renewal is seen",
            config.gracePeriod(), renewalSeen);
      }
      this.slots = Objects.requireNonNull(store, "store");
      this.leaseDuration = leaseDuration;
      return this;
    }

    /**
     * A client for watches only, ideally without a read timeout ({@link
     * KubernetesClients#forWatches}); by default the main client, whose read timeout then bounds
     * each watch window.
     */
    public Builder watchClient(ApiClient value) {
      this.watchClient = Objects.requireNonNull(value, "watchClient");
      return this;
    }

    /**
     * The clock of the grace period, the circuit breaker and the reconciler's bookkeeping; the
     * system's by default. Tests pass a clock they move.
     */
    public Builder clock(Clock value) {
      this.clock = Objects.requireNonNull(value, "clock");
      return this;
    }

    public KubernetesJobLauncher build() {
      return new KubernetesJobLauncher(this);
    }
  }
}
