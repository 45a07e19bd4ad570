package network.notifi.sluice.api.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.Clock;
import network.notifi.sluice.limiter.Decision;
import network.notifi.sluice.limiter.LevelResult;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import org.jetbrains.annotations.NotNull;

/**
 * {@code POST /events}: read the CloudEvent, validate it, identify endpoint and third party, ask the
 * limiter, and hand admitted {@code build.start} events to the {@link BuildStarter}.
 *
 * <p>Bad input is refused before the limiter is asked, so it costs no token. The limiter and the
 * starter run asynchronously: no Jetty thread waits on a remote store.
 */
final class EventsHandler implements Handler {

  static final String TYPE_PREFIX = "network.notifi.lambda.";
  static final String BUILD_START = "build.start";

  private final MultiLevelLimiter limiter;
  private final Clock clock;
  private final long maxBodyBytes;
  private final BuildStarter starter;
  private final Responses responses;

  EventsHandler(MultiLevelLimiter limiter, Clock clock, long maxBodyBytes, BuildStarter starter, Responses responses) {
    this.limiter = limiter;
    this.clock = clock;
    this.maxBodyBytes = maxBodyBytes;
    this.starter = starter;
    this.responses = responses;
  }

  @Override
  public void handle(@NotNull Context ctx) {
    byte[] body = readBody(ctx);
    IncomingEvent incoming = IncomingEvent.read(ctx.headerMap(), ctx.contentType(), body);
    String endpoint = endpointOf(incoming.event().getType());
    Optional<String> thirdParty =
        ThirdParties.identify(
            ctx.header(ThirdParties.HEADER), incoming.event().getSource().toString(), incoming.sourceGiven());
    BuildStartRequest request = BuildStartRequest.from(incoming.event(), thirdParty);

    ctx.future(() -> limiter
        .decide(new RateRequest(endpoint, thirdParty))
        .thenCompose(decision -> {
          RateLimitHeaders.write(ctx, decision, clock);
          for (LevelResult shadow : decision.shadowRefusals()) {
            responses.shadowRefusal(ctx, shadow.level().code(), endpoint, thirdParty.orElse(null));
          }
          if (!decision.allowed()) {
            responses.problem(ctx, refusal(decision), endpoint, thirdParty.orElse(null));
            return CompletableFuture.completedFuture(null);
          }
          return starter.start(request).thenAccept(reply -> responses.reply(ctx, reply, endpoint, thirdParty.orElse(null)));
        })
        .exceptionally(failure -> {
          responses.failure(ctx, failure, endpoint, thirdParty.orElse(null));
          return null;
        }));
  }

  private byte[] readBody(Context ctx) {
    long declared = ctx.req().getContentLengthLong();
    if (declared > maxBodyBytes) {
      throw tooLarge();
    }
    try (InputStream in = ctx.req().getInputStream()) {
      byte[] body = in.readNBytes((int) Math.min(Integer.MAX_VALUE - 8, maxBodyBytes + 1));
      if (body.length > maxBodyBytes) {
        throw tooLarge();
      }
      return body;
    } catch (IOException e) {
      throw Problem.of(400, "invalid_event", "request body could not be read").exception();
    }
  }

  private Problem.ProblemException tooLarge() {
    return Problem.of(413, "body_too_large", "request body exceeds " + maxBodyBytes + " bytes").exception();
  }

  /** {@code network.notifi.lambda.build.start} -> {@code build.start}; other types are refused. */
  private String endpointOf(String type) {
    if (type.startsWith(TYPE_PREFIX) && type.substring(TYPE_PREFIX.length()).equals(BUILD_START)) {
      return BUILD_START;
    }
    throw Problem.of(
            400,
            "unknown_event_type",
            "event type " + type + " is not handled; known: " + TYPE_PREFIX + BUILD_START)
        .exception();
  }

  private static Problem refusal(Decision decision) {
    LevelResult level = decision.refusal().orElseThrow();
    String code = level.level().code();
    String detail =
        switch (level.level()) {
          case GLOBAL -> "global rate limit exceeded";
          case ENDPOINT -> "rate limit of endpoint " + level.key().id() + " exceeded";
          case THIRD_PARTY -> "third-party rate limit exceeded";
        }
            + " (" + level.limit().burst() + " requests, refilled at " + level.limit().ratePerSecond()
            + "/s); retry in " + RateLimitHeaders.retryAfterSeconds(decision.retryAfterNanos()) + " s";
    return new Problem(429, code, detail, Map.of("violated-policies", List.of(code)));
  }
}
