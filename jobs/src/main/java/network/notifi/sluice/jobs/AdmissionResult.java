package network.notifi.sluice.jobs;

import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * The answer to {@link BuildAdmission#start}: what happened and what the caller needs next. The HTTP
 * edge maps {@link Started} and {@link Queued} to 202, {@link AlreadyActive} to 200, {@link
 * BackingOff} to 429 ({@code reason: build_backoff}), {@link AtCapacity} to 503 ({@code reason:
 * job_limit}) and {@link Degraded} to 503 ({@code reason: jobs_degraded}), with {@code Retry-After}
 * from {@link #retryAfter()}.
 */
public sealed interface AdmissionResult {

  /** The detail of {@link BackingOff}. */
  String BACKOFF_DETAIL = "build failed recently, backoff period active";

  /** The detail of {@link AtCapacity}. */
  String JOB_LIMIT_DETAIL = "concurrent job limit reached";

  /** The detail of {@link Degraded}. */
  String DEGRADED_DETAIL = "build admission is degraded: its shared state did not answer";

  /** How long to wait before trying again; zero unless refused. */
  default Duration retryAfter() {
    return Duration.ZERO;
  }

  /** The build got a slot and its job was launched ({@code status: running}). */
  record Started(Build build) implements AdmissionResult {
    public Started {
      Objects.requireNonNull(build, "build");
    }
  }

  /**
   * No slot was free; the build waits in its namespace's queue ({@code status: queued}).
   *
   * @param build the build record
   * @param position its 1-based place in the queue
   * @param estimatedStart when it is expected to start, from recent build durations
   */
  record Queued(Build build, long position, Instant estimatedStart) implements AdmissionResult {
    public Queued {
      Objects.requireNonNull(build, "build");
      Objects.requireNonNull(estimatedStart, "estimatedStart");
    }
  }

  /** The same parser is already queued or running in the namespace; nothing new was started. */
  record AlreadyActive(BuildStatus existing) implements AdmissionResult {
    public AlreadyActive {
      Objects.requireNonNull(existing, "existing");
    }

    /** The existing build. */
    public Build build() {
      return existing.build();
    }
  }

  /**
   * The parser failed recently in this namespace and its backoff window is open.
   *
   * @param parserId the parser
   * @param namespace the namespace
   * @param timeLeft how long the window stays open
   * @param consecutiveFailures how many failures in a row opened it
   */
  record BackingOff(String parserId, String namespace, Duration timeLeft, int consecutiveFailures)
      implements AdmissionResult {
    public BackingOff {
      Objects.requireNonNull(parserId, "parserId");
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(timeLeft, "timeLeft");
    }

    public String detail() {
      return BACKOFF_DETAIL;
    }

    @Override
    public Duration retryAfter() {
      return timeLeft;
    }
  }

  /**
   * No slot was free and the build was not queued: {@code on_capacity: reject}, or the queue is at
   * {@code queue_max_depth}. The slot was missing under {@code full}: the namespace's slots, or a cap
   * across namespaces (the total, or the build's third party's).
   *
   * @param namespace the namespace
   * @param full the limit that had no room
   * @param limit the value of that limit
   * @param queueFull true when refused because the queue is full, false in reject mode
   * @param retryAfterEstimate when a slot or queue place is expected, from recent build durations
   */
  record AtCapacity(String namespace, JobLimit full, int limit, boolean queueFull, Duration retryAfterEstimate)
      implements AdmissionResult {
    public AtCapacity {
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(full, "full");
      Objects.requireNonNull(retryAfterEstimate, "retryAfterEstimate");
    }

    public String detail() {
      return JOB_LIMIT_DETAIL;
    }

    @Override
    public Duration retryAfter() {
      return retryAfterEstimate;
    }
  }

  /**
   * The shared stores cannot be asked ({@code jobs.failure_mode: local}) and this replica's share of
   * the namespace's free slots is taken (or 0), so the build was refused instead of queued: nothing
   * was started or written.
   *
   * @param namespace the namespace
   * @param share the builds this replica may run in the namespace while degraded
   * @param retryAfter when to try again
   */
  record Degraded(String namespace, int share, Duration retryAfter) implements AdmissionResult {
    public Degraded {
      Objects.requireNonNull(namespace, "namespace");
      Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public String detail() {
      return DEGRADED_DETAIL;
    }
  }
}
