package network.notifi.sluice.jobs.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Collection;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.function.ObjIntConsumer;
import java.util.function.ToIntFunction;
import network.notifi.sluice.jobs.JobLimit;

/**
 * The jobs module's meters: the names are the dashboard's and the alerts' contract. Namespace is the
 * only per-entity label; configured namespaces always get their own value, and at most {@value
 * #MAX_NAMESPACE_LABELS} namespaces in all, after which counters say {@code other} and gauges are
 * not kept. Parser, build and third-party ids are never labels. Thread-safe.
 *
 * <ul>
 *   <li>{@code concurrent_jobs_active{namespace}}: slots in use (gauge)
 *   <li>{@code concurrent_jobs_limit{namespace}}: the namespace's slot limit (gauge)
 *   <li>{@code concurrent_jobs_rejected_total{namespace, reason=reject|queue_full,
 *       limit=namespace|total|third_party}}: starts refused for want of a slot, by the limit that was
 *       full (the namespace's slots, or a cap across namespaces); 0 from the start for configured
 *       namespaces' own limit
 *   <li>{@code concurrent_jobs_cap{limit=total|third_party}}: the caps across namespaces that are set
 *       ({@code jobs.max_concurrent_total}, {@code jobs.max_concurrent_per_third_party}); absent when
 *       not set (gauge)
 *   <li>{@code build_queue_depth{namespace}}: builds in the queue, claimed or not (gauge)
 *   <li>{@code build_queue_oldest_age_seconds{namespace}}: how long the oldest queued build has
 *       waited; 0 when the queue is empty (gauge, computed at scrape time)
 *   <li>{@code jobs_admissions_total{namespace, result}}: start requests by result ({@code started,
 *       queued, already_active, backing_off, at_capacity})
 *   <li>{@code builds_total{namespace, outcome=succeeded|failed}}: builds that ended; 0 from the
 *       start for configured namespaces
 *   <li>{@code build_duration_seconds}: run time of finished builds (histogram with percentile
 *       buckets; no labels, to keep the bucket series few)
 *   <li>{@code build_backoff_windows_open}: failure-backoff windows open. This replica's view: the
 *       windows it opened that have not closed (a window opened by another replica counts there), so
 *       read it as {@code max} or {@code sum} over replicas, not per replica.
 *   <li>{@code jobs_degraded}: 1 while admission answers from this replica's share (gauge)
 *   <li>{@code jobs_failure_mode{mode}}: 1, labelled with {@code jobs.failure_mode} (gauge)
 * </ul>
 */
public final class JobsMetrics {

  public static final int MAX_NAMESPACE_LABELS = 100;
  public static final String OTHER = "other";

  private final MeterRegistry registry;
  private final Clock clock;
  private final ToIntFunction<String> limitFor;
  private final Map<String, Boolean> labelled = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> active = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> limits = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> depth = new ConcurrentHashMap<>();
  private final Map<String, AtomicReference<Instant>> oldest = new ConcurrentHashMap<>();
  // (namespace, parser) -> end of the window this replica opened; pruned as windows close.
  private final Map<String, Instant> openWindows = new ConcurrentHashMap<>();
  private final Timer duration;
  private volatile ObjIntConsumer<String> activeCounted = (namespace, value) -> {};

  /**
   * Meters on {@code registry}; {@code limitFor} gives a namespace's slot limit, {@code clock} the
   * time against which queue ages and backoff windows are measured.
   */
  public JobsMetrics(
      MeterRegistry registry, Collection<String> configuredNamespaces, ToIntFunction<String> limitFor, Clock clock) {
    this.registry = registry;
    this.limitFor = limitFor;
    this.clock = clock;
    this.duration = Timer.builder("build_duration")
        .description("Run time of finished builds")
        .publishPercentileHistogram()
        .register(registry);
    Gauge.builder("build_backoff_windows_open", this, JobsMetrics::openBackoffWindows)
        .description("Failure-backoff windows this replica opened that are still open")
        .strongReference(true)
        .register(registry);
    configuredNamespaces.forEach(ns -> labelled.put(ns, true));
    for (String ns : configuredNamespaces) {
      active(ns, 0);
      queueDepth(ns, 0);
      oldestQueued(ns, Optional.empty());
      rejectedCounter(ns, false, JobLimit.NAMESPACE);
      rejectedCounter(ns, true, JobLimit.NAMESPACE);
      buildsCounter(ns, true);
      buildsCounter(ns, false);
    }
  }

  /**
   * Registers {@code concurrent_jobs_cap} for each cap across namespaces that is set (above 0): the
   * use of the total cap is {@code sum(concurrent_jobs_active)} against it; a third party's use has
   * no metric (third-party ids are never labels).
   */
  public void caps(int total, int perThirdParty) {
    capGauge(JobLimit.TOTAL, total);
    capGauge(JobLimit.THIRD_PARTY, perThirdParty);
  }

  private void capGauge(JobLimit limit, int value) {
    if (value > 0) {
      Gauge.builder("concurrent_jobs_cap", () -> value)
          .description("A cap on job slots across namespaces: all namespaces together, or one third party's builds")
          .tag("limit", limit.code())
          .register(registry);
    }
  }

  /**
   * Registers the gauges of admission's failure mode: {@code jobs_degraded} from {@code degraded},
   * read at scrape time, and {@code jobs_failure_mode} labelled with {@code mode}.
   */
  public void failureMode(String mode, BooleanSupplier degraded) {
    // Held strongly: a gauge keeps only a weak reference to its object by default, and nothing else
    // holds a method reference passed in, so the gauge would read NaN after the next collection.
    Gauge.builder("jobs_degraded", degraded, d -> d.getAsBoolean() ? 1 : 0)
        .description("1 while build admission cannot ask its shared stores and answers from this replica's share")
        .strongReference(true)
        .register(registry);
    Gauge.builder("jobs_failure_mode", () -> 1)
        .description("What build admission does while its shared stores cannot be asked (jobs.failure_mode)")
        .tag("mode", mode)
        .register(registry);
  }


  /** The label value for a namespace. */
  public String label(String namespace) {
    if (labelled.containsKey(namespace)) {
      return namespace;
    }
    synchronized (labelled) {
      if (labelled.size() < MAX_NAMESPACE_LABELS) {
        labelled.put(namespace, true);
        return namespace;
      }
    }
    return labelled.containsKey(namespace) ? namespace : OTHER;
  }

  /** Slots in use; also makes sure the namespace's limit is published. */
  /** Calls {@code listener} with every count of slots in use the stores give from now on. */
  public void onActiveCounted(ObjIntConsumer<String> listener) {
    this.activeCounted = Objects.requireNonNull(listener, "listener");
  }

  public void active(String namespace, long value) {
    activeCounted.accept(namespace, (int) Math.min(Integer.MAX_VALUE, value));
    gauge(active, "concurrent_jobs_active", "Job slots in use", namespace, value);
    gauge(limits, "concurrent_jobs_limit", "Job slot limit of the namespace", namespace,
        limitFor.applyAsInt(namespace));
  }

  public void queueDepth(String namespace, long value) {
    gauge(depth, "build_queue_depth", "Builds in the namespace's queue, claimed or not", namespace, value);
  }

  /** When the namespace's oldest queued build was enqueued; empty if the queue is empty. */
  public void oldestQueued(String namespace, Optional<Instant> enqueuedAt) {
    String label = label(namespace);
    if (OTHER.equals(label)) {
      return;
    }
    oldest
        .computeIfAbsent(
            label,
            ns -> {
              AtomicReference<Instant> holder = new AtomicReference<>();
              Gauge.builder("build_queue_oldest_age_seconds", holder, this::ageSeconds)
                  .description("How long the oldest build in the namespace's queue has waited")
                  .tag("namespace", ns)
                  .strongReference(true)
                  .register(registry);
              return holder;
            })
        .set(enqueuedAt.orElse(null));
  }

  /** A build was queued at {@code at}: starts the age gauge if the queue was empty. */
  public void queued(String namespace, Instant at) {
    if (!OTHER.equals(label(namespace))) {
      oldestQueued(namespace, Optional.empty());
      oldest.get(label(namespace)).compareAndSet(null, at);
    }
  }

  /**
   * A start refused because {@code full} had no slot left and the build could not queue ({@code
   * queueFull}: the queue was full).
   */
  public void rejected(String namespace, boolean queueFull, JobLimit full) {
    rejectedCounter(namespace, queueFull, full).increment();
  }

  public void admission(String namespace, String result) {
    Counter.builder("jobs_admissions")
        .description("Build start requests by result")
        .tag("namespace", label(namespace))
        .tag("result", result)
        .register(registry)
        .increment();
  }

  public void finished(String namespace, boolean succeeded, Duration ranFor) {
    buildsCounter(namespace, succeeded).increment();
    if (ranFor != null) {
      duration.record(ranFor);
    }
  }

  /** This replica opened (or moved) the parser's backoff window to close at {@code until}. */
  public void backoffOpened(String namespace, String parserId, Instant until) {
    openWindows.put(namespace + '\n' + parserId, until);
  }

  private double openBackoffWindows() {
    Instant now = clock.instant();
    openWindows.values().removeIf(until -> !until.isAfter(now));
    return openWindows.size();
  }

  private double ageSeconds(AtomicReference<Instant> enqueuedAt) {
    Instant at = enqueuedAt.get();
    if (at == null) {
      return 0;
    }
    return Math.max(0, Duration.between(at, clock.instant()).toMillis() / 1000.0);
  }

  private Counter rejectedCounter(String namespace, boolean queueFull, JobLimit full) {
    return Counter.builder("concurrent_jobs_rejected")
        .description("Build starts refused because a concurrent job limit was reached, by the limit that was full")
        .tag("namespace", label(namespace))
        .tag("reason", queueFull ? "queue_full" : "reject")
        .tag("limit", full.code())
        .register(registry);
  }

  private Counter buildsCounter(String namespace, boolean succeeded) {
    return Counter.builder("builds")
        .description("Builds that ended, by outcome")
        .tag("namespace", label(namespace))
        .tag("outcome", succeeded ? "succeeded" : "failed")
        .register(registry);
  }

  private void gauge(
      Map<String, AtomicLong> values, String name, String help, String namespace, long value) {
    String label = label(namespace);
    if (OTHER.equals(label)) {
      return;
    }
    values
        .computeIfAbsent(
            label,
            ns -> {
              AtomicLong holder = new AtomicLong();
              Gauge.builder(name, holder, AtomicLong::get)
                  .description(help)
                  .tag("namespace", ns)
                  .strongReference(true)
                  .register(registry);
              return holder;
            })
        .set(value);
  }
}
