package network.notifi.sluice.jobs.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The jobs module's meters. Namespace is the only per-entity label; configured namespaces always
 * get their own value, and at most {@value #MAX_NAMESPACE_LABELS} namespaces in all, after which
 * counters say {@code other} and gauges are not kept. Parser, build and third-party ids are never
 * labels. Thread-safe.
 *
 * <ul>
 *   <li>{@code concurrent_jobs_active{namespace}}: slots in use (gauge)
 *   <li>{@code concurrent_jobs_rejected_total{namespace, reason=reject|queue_full}}: starts refused
 *       for want of a slot
 *   <li>{@code jobs_queue_depth{namespace}}: builds in the queue (gauge)
 *   <li>{@code jobs_admissions_total{namespace, result}}: start requests by result ({@code started,
 *       queued, already_active, backing_off, at_capacity})
 *   <li>{@code jobs_builds_finished_total{namespace, outcome=succeeded|failed}}
 *   <li>{@code jobs_build_duration_seconds{namespace, outcome}}: run time of finished builds
 *   <li>{@code jobs_backoff_opened_total{namespace}}: failure-backoff windows opened
 * </ul>
 */
public final class JobsMetrics {

  public static final int MAX_NAMESPACE_LABELS = 100;
  public static final String OTHER = "other";

  private final MeterRegistry registry;
  private final Map<String, Boolean> labelled = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> active = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> depth = new ConcurrentHashMap<>();

  public JobsMetrics(MeterRegistry registry, Collection<String> configuredNamespaces) {
    this.registry = registry;
    configuredNamespaces.forEach(ns -> labelled.put(ns, true));
    configuredNamespaces.forEach(ns -> active(ns, 0));
    configuredNamespaces.forEach(ns -> queueDepth(ns, 0));
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

  public void active(String namespace, long value) {
    gauge(active, "concurrent_jobs_active", "Job slots in use", namespace, value);
  }

  public void queueDepth(String namespace, long value) {
    gauge(depth, "jobs_queue_depth", "Builds waiting in the namespace's queue", namespace, value);
  }

  public void rejected(String namespace, boolean queueFull) {
    Counter.builder("concurrent_jobs_rejected")
        .description("Build starts refused because the concurrent job limit was reached")
        .tag("namespace", label(namespace))
        .tag("reason", queueFull ? "queue_full" : "reject")
        .register(registry)
        .increment();
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
    String outcome = succeeded ? "succeeded" : "failed";
    Counter.builder("jobs_builds_finished")
        .description("Builds that ended, by outcome")
        .tag("namespace", label(namespace))
        .tag("outcome", outcome)
        .register(registry)
        .increment();
    if (ranFor != null) {
      Timer.builder("jobs_build_duration")
          .description("Run time of finished builds")
          .tag("namespace", label(namespace))
          .tag("outcome", outcome)
          .register(registry)
          .record(ranFor);
    }
  }

  public void backoffOpened(String namespace) {
    Counter.builder("jobs_backoff_opened")
        .description("Failure-backoff windows opened")
        .tag("namespace", label(namespace))
        .register(registry)
        .increment();
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
