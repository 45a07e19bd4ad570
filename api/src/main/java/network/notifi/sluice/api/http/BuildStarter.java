package network.notifi.sluice.api.http;

import java.util.concurrent.CompletableFuture;

/** Starts a build that the rate limiter admitted, and says what to answer. */
@FunctionalInterface
public interface BuildStarter {

  /** Starts (or queues, or refuses) the build; never blocks the caller. */
  CompletableFuture<Reply> start(BuildStartRequest request);

  /**
   * What to send back.
   *
   * @param status the HTTP status
   * @param body the JSON body
   * @param retryAfterSeconds a {@code Retry-After} value, or 0 for none
   */
  record Reply(int status, Object body, long retryAfterSeconds) {

    /**
     * Whether the start was refused ({@code build_backoff}, {@code job_limit}, {@code
     * jobs_unavailable}, ...): the request then gives back its rate-limit tokens. A duplicate start
     * ({@code already_active}, 200) is answered, not refused, and keeps them.
     */
    boolean refused() {
      return status >= 400;
    }
  }
}
