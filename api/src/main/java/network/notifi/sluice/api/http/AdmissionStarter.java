package network.notifi.sluice.api.http;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.AdmissionResult;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.jobs.BuildRequest;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.BuildStatus;
import network.notifi.sluice.jobs.JobLimit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Hands admitted build starts to {@link BuildAdmission} and turns its answer into HTTP: started or
 * queued 202, already active 200, backing off 429 ({@code build_backoff}), at capacity 503 ({@code
 * job_limit}), degraded 503 ({@code jobs_degraded}), the refusals with {@code Retry-After}.
 */
public final class AdmissionStarter implements BuildStarter {

  private static final Logger LOG = LoggerFactory.getLogger(AdmissionStarter.class);
  static final long UNAVAILABLE_RETRY_SECONDS = 5;

  private final BuildAdmission admission;
  private final boolean privateBuilds;

  /**
   * @param privateBuilds whether a third party sees only its own builds ({@code identity.mode:
   *     api_key}): a duplicate start of another tenant's build is then answered without the build's
   *     id and owner
   */
  public AdmissionStarter(BuildAdmission admission, boolean privateBuilds) {
    this.admission = admission;
    this.privateBuilds = privateBuilds;
  }

  @Override
  public CompletableFuture<Reply> start(BuildStartRequest request) {
    var buildRequest = new BuildRequest(request.parserId(), request.namespace(), request.thirdParty());
    return admission.start(buildRequest)
        .thenApply(result -> reply(result, request.thirdParty()))
        .exceptionally(AdmissionStarter::unavailable);
  }

  /**
   * The shared job stores (Redis) did not answer: nothing was started, the caller may retry. A 503
   * with a reason, not a 500: this is a dependency's bad day, not a bug.
   */
  private static Reply unavailable(Throwable failure) {
    return unavailable("build admission", failure);
  }

  /** {@code what} (build admission, build status) failed because the shared job stores did not answer. */
  static Reply unavailable(String what, Throwable failure) {
    LOG.warn("{} failed: {}", what, failure.toString());
    var problem = Problem.of(503, "jobs_unavailable",
        what + " is unavailable: its shared state did not answer; nothing was started, retry in "
            + UNAVAILABLE_RETRY_SECONDS + " s");
    return new Reply(503, problem, UNAVAILABLE_RETRY_SECONDS);
  }

  private Reply reply(AdmissionResult result, Optional<String> caller) {
    if (result instanceof AdmissionResult.Started started) {
      return new Reply(202, body(BuildStatus.of(started.build())), 0);
    }
    if (result instanceof AdmissionResult.Queued queued) {
      Map<String, Object> body = body(BuildStatus.of(queued.build()));
      body.put("position", queued.position());
      body.put("estimated_start", queued.estimatedStart().toString());
      return new Reply(202, body, 0);
    }
    if (result instanceof AdmissionResult.AlreadyActive active) {
      Build existing = active.existing().build();
      if (privateBuilds && !existing.thirdParty().equals(caller)) {
        return new Reply(200, anotherTenants(existing), 0);
      }
      return new Reply(200, body(active.existing()), 0);
    }
    if (result instanceof AdmissionResult.BackingOff backoff) {
      long seconds = seconds(backoff.timeLeft());
      var problem = new Problem(429, "build_backoff", backoff.detail() + " (parser " + backoff.parserId()
          + " in namespace " + backoff.namespace() + ", " + backoff.consecutiveFailures()
          + " failure(s) in a row); retry in " + seconds + " s", Map.of());
      return new Reply(429, problem, seconds);
    }
    if (result instanceof AdmissionResult.Degraded degraded) {
      long seconds = seconds(degraded.retryAfter());
      var problem = new Problem(503, "jobs_degraded", degraded.detail() + "; this replica's share of namespace "
          + degraded.namespace() + " (" + degraded.share() + " running) is taken and builds cannot queue; retry in "
          + seconds + " s", Map.of());
      return new Reply(503, problem, seconds);
    }
    var capacity = (AdmissionResult.AtCapacity) result;
    long seconds = seconds(capacity.retryAfter());
    String why = capacity.queueFull() ? "; the namespace's queue is full" : "";
    var problem = new Problem(503, "job_limit", capacity.detail() + " (" + capacity.limit() + " running "
        + where(capacity.full(), capacity.namespace()) + why + "); retry in " + seconds + " s",
        Map.of("limit", capacity.full().code()));
    return new Reply(503, problem, seconds);
  }

  /** Where the limit that was full counts builds, for people. */
  private static String where(JobLimit full, String namespace) {
    return switch (full) {
      case NAMESPACE -> "in namespace " + namespace;
      case TOTAL -> "across all namespaces, jobs.max_concurrent_total";
      case THIRD_PARTY -> "for this third party across all namespaces, jobs.max_concurrent_per_third_party";
    };
  }

  /** A build as JSON: what {@code POST /events} and {@code GET /builds/{id}} answer. A queued build
   * that waits after a deferred launch shows why in {@code waiting_reason}. */
  static Map<String, Object> body(BuildStatus status) {
    Build build = status.build();
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("build_id", build.id());
    body.put("parser_id", build.parserId());
    body.put("namespace", build.namespace());
    body.put("third_party", build.thirdParty().orElse(null));
    body.put("status", build.state().code());
    status.position().ifPresent(position -> body.put("position", position));
    body.put("created_at", build.createdAt().toString());
    build.startedAt().ifPresent(at -> body.put("started_at", at.toString()));
    build.finishedAt().ifPresent(at -> body.put("finished_at", at.toString()));
    build.failureReason().ifPresent(reason ->
        body.put(build.state() == BuildState.QUEUED ? "waiting_reason" : "failure_reason", reason));
    return body;
  }

  /** A duplicate start of another tenant's build: that one is active, but not whose it is nor its id. */
  private static Map<String, Object> anotherTenants(Build existing) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("parser_id", existing.parserId());
    body.put("namespace", existing.namespace());
    body.put("status", "already_active");
    body.put("detail", "a build of this parser is already " + existing.state().code() + " in this namespace");
    return body;
  }

  private static long seconds(Duration duration) {
    return RateLimitHeaders.retryAfterSeconds(duration.toNanos());
  }
}
