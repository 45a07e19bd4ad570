package network.notifi.sluice.api.http;

import io.javalin.http.Context;
import java.util.StringJoiner;
import network.notifi.sluice.common.Seconds;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Decision;
import network.notifi.sluice.limiter.LevelResult;

/**
 * Writes the rate-limit headers of a decision. Every value comes from the buckets the decision asked.
 *
 * <ul>
 *   <li>{@code X-RateLimit-Limit}, {@code X-RateLimit-Remaining}: capacity and tokens left of the
 *       most constrained level; {@code X-RateLimit-Reset}: epoch second at which that bucket is full
 *       again.
 *   <li>{@code RateLimit-Policy} and {@code RateLimit} (draft-ietf-httpapi-ratelimit-headers-11), one
 *       item per level applied: {@code q} = burst, {@code w} = seconds to refill the burst, {@code r} =
 *       tokens left, {@code t} = seconds until more quota is available (0 when the bucket is full).
 *   <li>{@code Retry-After} on refusals: whole seconds until the refusing level has a token, at least
 *       1.
 * </ul>
 */
final class RateLimitHeaders {

  private RateLimitHeaders() {}

  static void write(Context ctx, Decision decision, EpochNanoClock clock) {
    if (decision.applied().isEmpty()) {
      return;
    }
    decision.mostConstrained().ifPresent(level -> {
      ctx.header("X-RateLimit-Limit", Long.toString(level.limit().burst()));
      ctx.header("X-RateLimit-Remaining", Long.toString(level.remaining()));
      ctx.header("X-RateLimit-Reset", Long.toString(Seconds.ceil(clock.epochNanos() + level.nanosToFull())));
    });
    var policy = new StringJoiner(", ");
    var state = new StringJoiner(", ");
    for (LevelResult level : decision.applied()) {
      String name = "\"" + level.level().code() + "\"";
      policy.add(name + ";q=" + level.limit().burst() + ";w=" + level.limit().windowSeconds());
      state.add(name + ";r=" + level.remaining() + ";t=" + Seconds.ceil(nanosUntilMoreQuota(level)));
    }
    ctx.header("RateLimit-Policy", policy.toString());
    ctx.header("RateLimit", state.toString());
    if (!decision.allowed()) {
      ctx.header("Retry-After", Long.toString(retryAfterSeconds(decision.retryAfterNanos())));
    }
  }

  /** Whole seconds for {@code Retry-After}: rounded up, at least 1. */
  static long retryAfterSeconds(long nanos) {
    return Math.max(1, Seconds.ceil(nanos));
  }

  /**
   * Time until this level's bucket gains its next token: 0 when full, else the part of the time to
   * full that the next token takes.
   */
  private static long nanosUntilMoreQuota(LevelResult level) {
    if (level.nanosToNextToken() > 0) {
      return level.nanosToNextToken();
    }
    long missing = level.limit().burst() - level.remaining();
    if (missing <= 0) {
      return 0;
    }
    long afterNext = level.limit().nanosToRefill(missing - 1);
    return Math.max(0, Math.min(level.limit().nanosToRefill(1), level.nanosToFull() - afterNext));
  }
}
