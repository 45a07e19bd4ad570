package network.notifi.sluice.k8s;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1DeleteOptions;
import io.kubernetes.client.openapi.models.V1Job;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobListener;
import network.notifi.sluice.jobs.spi.JobListeners;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.jobs.spi.SlotStore;
import network.notifi.sluice.k8s.internal.JobCreator;
import network.notifi.sluice.k8s.internal.JobWatcher;
import network.notifi.sluice.k8s.internal.Quotas;
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
 * LaunchDeferredException} (a {@link DeferralReasons} code): the build belongs back in the queue, it
 * did not fail. So does a launch once {@link #close()} has begun ({@link
 * LaunchDeferredException#REPLICA_STOPPING}): the build waits in the queue for another replica.
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
 * K8sResilience}); {@link #health()} shows the breaker. Thread-safe; no method blocks.
 */
public final class KubernetesJobLauncher implements JobLauncher {

  private static final Logger log = LoggerFactory.getLogger(KubernetesJobLauncher.class);

  private final K8sConfig config;
  private final JobSpecFactory specs;
  private final BatchV1Api batch;
  private final ResilientApi api;
  private final Reconciler reconciler;
  private final Quotas quotas;
  private final JobCreator creator;
  private final JobWatcher watcher;
  private final JobListeners listeners = new JobListeners();
  // Quota check + create run one at a time per Kubernetes namespace, so this replica never
  // overbooks a quota by racing itself; the API server's own check guards across replicas.
  private final Map<String, CompletableFuture<Void>> createChains = new ConcurrentHashMap<>();
  private final ScheduledExecutorService loop;
  private boolean started;
  private volatile boolean closed;

  private KubernetesJobLauncher(Builder b) {
    this.config = b.config;
    this.specs = JobSpecFactory.of(config);
    this.batch = new BatchV1Api(b.client);
    this.api = new ResilientApi(config.resilience(), b.registry, b.clock);
    this.reconciler = new Reconciler(config, batch, api, b.slots, b.leaseDuration, b.clock, listeners::tell,
        listeners::any);
    this.quotas = new Quotas(config.quota(), new CoreV1Api(b.client), api, reconciler);
    this.creator = new JobCreator(batch, api, reconciler);
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
    listeners.add(listener);
  }

  @Override
  public CompletableFuture<Void> launch(Build build) {
    Objects.requireNonNull(build, "build");
    if (closed) {
      return CompletableFuture.failedFuture(LaunchDeferredException.replicaStopping("the Kubernetes launcher"));
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
    CompletableFuture<Void> created = config.quota().check()
        ? inTurn(namespace, () -> quotas.ensure(namespace)
            .thenCompose(v -> quotas.check(namespace, job))
            .thenCompose(v -> creator.create(namespace, job, build)))
        : quotas.ensure(namespace).thenCompose(v -> creator.create(namespace, job, build));
    created.whenComplete((v, e) -> {
      if (e == null) {
        result.complete(null);
      } else {
        Throwable cause = Futures.unwrap(e);
        // A call refused by executors that close() shut down: the build waits for another replica.
        result.completeExceptionally(closed && cause instanceof RejectedExecutionException
            ? LaunchDeferredException.replicaStopping("the Kubernetes launcher")
            : JobCreator.launchError(cause, build));
      }
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
            listeners.tell(JobOutcome.failedNotByParser(buildId, namespace, "cancelled"));
            return true;
          }
          if (ResilientApi.status(error) == 404) {
            return false;
          }
          reconciler.track(buildId, namespace, ns);
          throw new CompletionException(Futures.unwrap(error));
        });
  }

  /**
   * One round now: lists the managed Jobs of every known namespace, reports ends, reconciles slots.
   * The periodic loop runs the same; tests call it to avoid waiting for the interval.
   */
  public CompletableFuture<Void> reconcileNow() {
    return reconciler.round();
  }

  /** False while the API's circuit breaker is open: the core then queues builds and pauses dispatching. */
  @Override
  public boolean available() {
    return health().available();
  }

  /** The API's health as the circuit breaker sees it. */
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

  /** Runs {@code step} once the previous step of the namespace has finished, either way. */
  private CompletableFuture<Void> inTurn(String namespace, Supplier<CompletableFuture<Void>> step) {
    return createChains.compute(namespace, (ns, previous) ->
        (previous == null ? CompletableFuture.<Void>completedFuture(null) : previous)
            .handle((v, e) -> null)
            .thenCompose(v -> step.get()));
  }

  private void reconcileQuietly() {
    try {
      reconciler.round().get(config.reconcileInterval().multipliedBy(10).toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      Throwable cause = Futures.unwrap(e);
      if (cause instanceof CallNotPermittedException) {
        log.debug("reconcile round skipped: the API circuit breaker is open");
      } else {
        log.warn("reconcile round failed; next in {}: {}", config.reconcileInterval(), cause.toString());
      }
    }
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
