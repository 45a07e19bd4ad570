package network.notifi.sluice.k8s.internal;

import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.Lease;
import network.notifi.sluice.jobs.spi.SlotLimits;
import network.notifi.sluice.jobs.spi.SlotStore;
import network.notifi.sluice.k8s.K8sConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API server as the source of truth: finds the ends of managed Jobs by listing them, and
 * reconciles slots with the Jobs that exist. Invariant: each build's end is reported at most once
 * by this replica (the core tolerates repeats from several replicas). Thread-safe.
 *
 * <p>Slots follow what runs: every running managed Job holds a lease, renewed here each round on
 * every replica that sees it (so a Job outlives the replica that created it without losing its slot,
 * and is adopted if it had none). A slot is released as "no Job" only once its Job has been missing
 * for {@code k8s.grace_period} and nobody answers for it: never while this replica is creating its
 * Job, and never while its lease keeps being renewed (its owner is alive, e.g. still creating the
 * Job on another replica).
 */
public final class Reconciler {

  public static final String DELETED = "job deleted outside sluice";
  public static final String NOT_FOUND = "job not found";

  private static final Logger log = LoggerFactory.getLogger(Reconciler.class);

  private final K8sConfig config;
  private final BatchV1Api batch;
  private final ResilientApi api;
  private final SlotStore slots;
  private final Duration leaseDuration;
  private final Clock clock;
  private final Consumer<JobOutcome> report;
  private final BooleanSupplier coreListens;
  private final Set<String> managed = ConcurrentHashMap.newKeySet();
  // Builds whose Job this replica knows to exist and has not reported ended; value: since when.
  private final Map<String, Tracked> tracked = new ConcurrentHashMap<>();
  // Builds whose end this replica reported (or that were cancelled) -> their Kubernetes namespace;
  // an entry goes once its Job is no longer listed there.
  private final Map<String, String> reported = new ConcurrentHashMap<>();
  private final Map<String, Instant> missingSince = new ConcurrentHashMap<>();
  private final Set<Key> adopted = ConcurrentHashMap.newKeySet();
  // Builds whose Job this replica is creating now: their slots are never released as "no Job".
  private final Set<String> launching = ConcurrentHashMap.newKeySet();
  // The last lease deadline seen of each slot without a Job: a later one means its owner renews it.
  private final Map<String, Instant> deadlineSeen = new ConcurrentHashMap<>();

  public Reconciler(K8sConfig config, BatchV1Api batch, ResilientApi api, SlotStore slots,
      Duration leaseDuration, Clock clock, Consumer<JobOutcome> report, BooleanSupplier coreListens) {
    this.config = config;
    this.batch = batch;
    this.api = api;
    this.slots = slots;
    this.leaseDuration = leaseDuration;
    this.clock = clock;
    this.report = report;
    this.coreListens = coreListens;
    managed.addAll(config.namespaces());
  }

  /** Lists and reconciles {@code namespace} (a Sluice namespace) from now on. */
  public void manage(String namespace) {
    managed.add(namespace);
  }

  /** The build's Job exists (this replica created it). */
  public void track(String buildId, String namespace, String kubernetesNamespace) {
    reported.remove(buildId);
    tracked.put(buildId, new Tracked(namespace, kubernetesNamespace, clock.instant()));
  }

  /** This replica starts creating the build's Job; until {@link #launched}, its slot is kept. */
  public void launching(String buildId) {
    launching.add(buildId);
  }

  /** The create of the build's Job has been answered, either way. */
  public void launched(String buildId) {
    launching.remove(buildId);
  }

  /** Stops following the build (cancelled). */
  public void forget(String buildId, String kubernetesNamespace) {
    tracked.remove(buildId);
    reported.put(buildId, kubernetesNamespace);
  }

  /** The managed Jobs of a Kubernetes namespace, through the resilient API. */
  public CompletableFuture<List<V1Job>> listManaged(String kubernetesNamespace) {
    return api.call(() -> batch.listNamespacedJob(kubernetesNamespace).labelSelector(Labels.SELECTOR).execute())
        .thenApply(list -> list.getItems() == null ? List.of() : list.getItems());
  }

  /** One round over every managed namespace; fails if any namespace could not be listed. */
  public CompletableFuture<Void> round() {
    CompletableFuture<Set<String>> namespaces = slots == null
        ? CompletableFuture.completedFuture(Set.of())
        : slots.namespaces();
    return namespaces.thenCompose(fromSlots -> {
      managed.addAll(fromSlots);
      Map<String, Set<String>> byKubernetesNamespace = new HashMap<>();
      for (String ns : managed) {
        byKubernetesNamespace.computeIfAbsent(config.kubernetesNamespace(ns), k -> new HashSet<>()).add(ns);
      }
      tracked.values().forEach(t ->
          byKubernetesNamespace.computeIfAbsent(t.kubernetesNamespace(), k -> new HashSet<>()).add(t.namespace()));
      List<CompletableFuture<Void>> work = new ArrayList<>();
      byKubernetesNamespace.forEach((k8sNs, sluiceNamespaces) -> work.add(reconcile(k8sNs, sluiceNamespaces)));
      return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
    });
  }

  /** A Job seen by a watch or a list: reports its end once, or follows it while it runs. */
  public void onJob(V1Job job) {
    Optional<String> id = buildId(job);
    if (id.isEmpty()) {
      return;
    }
    String buildId = id.get();
    String namespace = sluiceNamespace(job);
    Optional<JobStates.Ended> ended = JobStates.ended(job);
    if (ended.isPresent()) {
      if (reported.putIfAbsent(buildId, job.getMetadata().getNamespace()) == null) {
        tracked.remove(buildId);
        adopted.remove(new Key(namespace, buildId));
        report.accept(ended.get().succeeded()
            ? JobOutcome.succeeded(buildId, namespace)
            : JobOutcome.failed(buildId, namespace, ended.get().failureReason()));
      }
    } else if (!reported.containsKey(buildId)) {
      tracked.putIfAbsent(buildId, new Tracked(namespace, job.getMetadata().getNamespace(), clock.instant()));
    }
  }

  /** A watch saw the Job deleted. */
  public void onDeleted(V1Job job) {
    buildId(job).ifPresent(id -> {
      if (JobStates.ended(job).isPresent()) {
        onJob(job);
      } else if (tracked.remove(id) != null && reported.putIfAbsent(id, job.getMetadata().getNamespace()) == null) {
        report.accept(JobOutcome.failedNotByParser(id, sluiceNamespace(job), DELETED));
      }
    });
  }

  private CompletableFuture<Void> reconcile(String k8sNs, Set<String> sluiceNamespaces) {
    Instant listedAt = clock.instant();
    return listManaged(k8sNs).thenCompose(jobs -> {
      Set<String> present = new HashSet<>();
      for (V1Job job : jobs) {
        buildId(job).ifPresent(present::add);
        onJob(job);
      }
      for (var entry : tracked.entrySet()) {
        Tracked t = entry.getValue();
        String id = entry.getKey();
        if (t.kubernetesNamespace().equals(k8sNs) && t.since().isBefore(listedAt) && !present.contains(id)
            && tracked.remove(id, t) && reported.putIfAbsent(id, k8sNs) == null) {
          log.warn("build {} in {}: its Job {} was deleted before it ended", id, t.namespace(), k8sNs);
          adopted.remove(new Key(t.namespace(), id));
          report.accept(JobOutcome.failedNotByParser(id, t.namespace(), DELETED));
        }
      }
      reported.entrySet().removeIf(e -> e.getValue().equals(k8sNs) && !present.contains(e.getKey())
          && !tracked.containsKey(e.getKey()));
      if (slots == null) {
        return CompletableFuture.completedFuture(null);
      }
      List<CompletableFuture<Void>> work = new ArrayList<>();
      for (String ns : sluiceNamespaces) {
        work.add(reconcileSlots(ns, jobs));
      }
      return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
    });
  }

  private CompletableFuture<Void> reconcileSlots(String namespace, List<V1Job> jobs) {
    Map<String, V1Job> ours = new HashMap<>();
    for (V1Job job : jobs) {
      if (namespace.equals(sluiceNamespace(job))) {
        buildId(job).ifPresent(id -> ours.put(id, job));
      }
    }
    Instant now = clock.instant();
    return slots.leases(namespace).thenCompose(leases -> {
      List<CompletableFuture<?>> work = new ArrayList<>();
      Set<String> held = new HashSet<>();
      for (Lease lease : leases) {
        String id = lease.buildId();
        held.add(id);
        Key key = new Key(namespace, id);
        if (ours.containsKey(id) || launching.contains(id) || renewedSinceLastRound(key, lease)) {
          missingSince.remove(key.toString());
          continue;
        }
        Instant since = missingSince.computeIfAbsent(key.toString(), k -> now);
        if (Duration.between(since, now).compareTo(config.gracePeriod()) >= 0) {
          log.warn("build {} in {} holds a slot but has had no Job for {}; releasing it", id, namespace,
              Duration.between(since, now));
          missingSince.remove(key.toString());
          deadlineSeen.remove(key.toString());
          tracked.remove(id);
          if (coreListens.getAsBoolean()) {
            report.accept(JobOutcome.failedNotByParser(id, namespace, NOT_FOUND));
          } else {
            work.add(slots.release(namespace, id));
          }
        }
      }
      missingSince.keySet().removeIf(k -> k.startsWith(namespace + "/")
          && !held.contains(k.substring(namespace.length() + 1)));
      deadlineSeen.keySet().removeIf(k -> k.startsWith(namespace + "/")
          && !held.contains(k.substring(namespace.length() + 1)));
      for (var entry : ours.entrySet()) {
        String id = entry.getKey();
        Key key = new Key(namespace, id);
        boolean running = !JobStates.isFinished(entry.getValue());
        if (running && !held.contains(id)) {
          work.add(slots.acquire(namespace, id, thirdParty(entry.getValue()), SlotLimits.NONE, leaseDuration)
              .thenAccept(a -> {
                log.info("adopted running Job of build {} in {} (no slot held it)", id, namespace);
                adopted.add(key);
              }));
        } else if (running) {
          // Whoever created it may be gone: every replica that sees it run keeps its slot.
          work.add(slots.renew(namespace, id, leaseDuration));
        } else if (!running) {
          adopted.remove(key);
        }
      }
      return CompletableFuture.allOf(work.toArray(CompletableFuture[]::new));
    });
  }

  /** Whether the lease's deadline moved since the last round saw it: someone renews it. */
  private boolean renewedSinceLastRound(Key key, Lease lease) {
    Instant before = deadlineSeen.put(key.toString(), lease.expiresAt());
    return before != null && lease.expiresAt().isAfter(before);
  }

  private String sluiceNamespace(V1Job job) {
    var annotations = job.getMetadata().getAnnotations();
    String ns = annotations == null ? null : annotations.get(Labels.NAMESPACE);
    return ns != null ? ns : job.getMetadata().getNamespace();
  }

  /** The third party the Job was started for, from its annotation, for the caps across namespaces. */
  private static Optional<String> thirdParty(V1Job job) {
    var annotations = job.getMetadata().getAnnotations();
    return Optional.ofNullable(annotations == null ? null : annotations.get(Labels.THIRD_PARTY));
  }

  private static Optional<String> buildId(V1Job job) {
    var meta = job.getMetadata();
    if (meta == null) {
      return Optional.empty();
    }
    if (meta.getAnnotations() != null && meta.getAnnotations().get(Labels.BUILD_ID) != null) {
      return Optional.of(meta.getAnnotations().get(Labels.BUILD_ID));
    }
    return Optional.ofNullable(meta.getLabels() == null ? null : meta.getLabels().get(Labels.BUILD_ID));
  }

  private record Tracked(String namespace, String kubernetesNamespace, Instant since) {}

  private record Key(String namespace, String buildId) {
    @Override
    public String toString() {
      return namespace + "/" + buildId;
    }
  }
}
