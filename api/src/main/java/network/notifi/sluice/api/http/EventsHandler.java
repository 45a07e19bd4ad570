package network.notifi.sluice.api.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.context.Scope;
import java.io.IOException;
import java.io.InputStream;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Decision;
import network.notifi.sluice.limiter.LevelResult;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.api.identity.Caller;
import network.notifi.sluice.api.tracing.RequestSpans;
import org.jetbrains.annotations.NotNull;

/**
 * {@code POST /events}: read the CloudEvent, validate it, identify endpoint and third party, ask the
 * limiter, and hand admitted {@code build.start} events to the {@link BuildStarter}.
 *
 * <p>Bad input is refused before the limiter is asked, so it costs no token. A start the limiter
 * admitted and the starter refused (or that failed) gives its tokens back at every level ({@link
 * MultiLevelLimiter#giveBack}); a duplicate start keeps them. The limiter and the
 * starter run asynchronously: no Jetty thread waits on a remote store.
 */
final class EventsHandler implements Handler {

  static final String TYPE_PREFIX = "network.notifi.lambda.";
  static final String BUILD_START = "build.start";

  private final MultiLevelLimiter limiter;
  private final EpochNanoClock clock;
  private final long maxBodyBytes;
  private final int maxJsonDepth;
  private final BuildStarter starter;
  private final Responses responses;

  private final Tracer tracer;
  private final TopRefused topRefused;
  private final Timer admissionTimer;
  private final Authenticator authenticator;
  private final BuildNamespaces namespaces;

  /**
   * Where answers are rendered and written (JSON, headers, refusal logs, metrics). The limiter and
   * the stores complete their futures on the Redis client's event loops; work done there delays
   * every command on their connections, which under a burst ran into Redisson's "command still
   * hasn't been written" timeouts. Threads end after 30 s idle, so no handler leaks any.
   */
  private static final Executor RESPONDERS = responders();

  private static ThreadPoolExecutor responders() {
    int threads = Math.max(2, Runtime.getRuntime().availableProcessors());
    var pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS,
        new LinkedBlockingQueue<>(), DaemonThreads.numbered("sluice-respond"));
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  EventsHandler(
      MultiLevelLimiter limiter,
      EpochNanoClock clock,
      long maxBodyBytes,
      int maxJsonDepth,
      BuildStarter starter,
      Responses responses,
      Tracer tracer,
      TopRefused topRefused,
      MeterRegistry registry,
      Authenticator authenticator,
      BuildNamespaces namespaces) {
    this.authenticator = authenticator;
    this.namespaces = namespaces;
    this.admissionTimer = Timer.builder("build_admission")
        .description("Time of build admission for a request the limiter admitted, until its reply")
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
    this.tracer = tracer;
    this.topRefused = topRefused;
    this.limiter = limiter;
    this.clock = clock;
    this.maxBodyBytes = maxBodyBytes;
    this.maxJsonDepth = maxJsonDepth;
    this.starter = starter;
    this.responses = responses;
  }

  @Override
  public void handle(@NotNull Context ctx) {
    Span requestSpan = RequestSpans.start(ctx, tracer, "/events");
    try (Scope ignored = requestSpan.makeCurrent()) {
      handleInSpan(ctx);
    }
  }

  private void handleInSpan(Context ctx) {
    // The body first, even for a caller about to be refused: no answer may leave it unread (see
    // UnreadBody), and read here it is bounded by max_body_bytes.
    byte[] body = readBody(ctx);
    Caller caller = authenticator.authenticate(ctx);
    IncomingEvent incoming = IncomingEvent.read(ctx.headerMap(), ctx.contentType(), body, maxJsonDepth);
    String endpoint = endpointOf(incoming.event().getType());
    Optional<String> thirdParty = caller.thirdParty(() -> ThirdParties.identify(
        ctx.header(ThirdParties.HEADER), incoming.event().getSource().toString(), incoming.sourceGiven()));
    BuildStartRequest parsed = BuildStartRequest.from(incoming.event(), thirdParty);
    // Before the limiter: a namespace the caller may not use, or that does not exist, costs no token.
    BuildStartRequest request = parsed.withNamespace(namespaces.resolve(caller, parsed.namespace()));

    Span requestSpan = Span.current();
    requestSpan.setAttribute("sluice.endpoint", endpoint);
    thirdParty.ifPresent(id -> requestSpan.setAttribute("sluice.third_party", id));
    // Javalin runs the supplier after handle() returns, outside the request span's scope: pass it on.
    ctx.future(() -> {
      Executor respond = respondOffTheEventLoops(Thread.currentThread());
      return decide(new RateRequest(endpoint, thirdParty), requestSpan)
          // An admitted request goes on to admission from the thread that decided: a Redis event loop
          // writes the admission script itself, with no hand-off. Answers are rendered by respond.
          .thenCompose(decision -> decision.allowed()
              ? admit(request, requestSpan).handle((reply, failure) -> {
                  // Refused after the limiter: the tokens go back at every level before the answer.
                  boolean refused = failure != null || reply.refused();
                  CompletableFuture<Decision> settled =
                      refused ? limiter.giveBack(decision) : CompletableFuture.completedFuture(decision);
                  return settled.thenAcceptAsync(after -> {
                    answerHeaders(ctx, after, endpoint, thirdParty);
                    if (failure != null) {
                      responses.failure(ctx, failure, endpoint, thirdParty.orElse(null));
                    } else {
                      responses.reply(ctx, reply, endpoint, thirdParty.orElse(null));
                    }
                  }, respond);
                }).thenCompose(answered -> answered)
              : CompletableFuture.runAsync(() -> {
                  answerHeaders(ctx, decision, endpoint, thirdParty);
                  thirdParty.ifPresent(topRefused::refused);
                  responses.problem(ctx, refusal(decision), endpoint, thirdParty.orElse(null));
                }, respond))
          .exceptionallyAsync(failure -> {
            responses.failure(ctx, failure, endpoint, thirdParty.orElse(null));
            return null;
          }, respond);
    });
  }

  /** The rate-limit headers of {@code decision}, and a log line for each shadow level that would have refused. */
  private void answerHeaders(Context ctx, Decision decision, String endpoint, Optional<String> thirdParty) {
    RateLimitHeaders.write(ctx, decision, clock);
    for (LevelResult shadow : decision.shadowRefusals()) {
      responses.shadowRefusal(ctx, shadow.level().code(), endpoint, thirdParty.orElse(null));
    }
  }

  /**
   * Where an answer is rendered: on the request's own thread when the future completed there (a
   * decision answered from memory, with no command sent), else on a responder thread, never on the
   * Redis client's event loop.
   */
  private static Executor respondOffTheEventLoops(Thread requestThread) {
    return task -> {
      if (Thread.currentThread() == requestThread) {
        task.run();
      } else {
        RESPONDERS.execute(task);
      }
    };
  }

  /** The limiter's decision in a span of its own, with one attribute set per level asked. */
  private CompletableFuture<Decision> decide(RateRequest request, Span parent) {
    Span span = tracer.spanBuilder("rate_limit.decide")
        .setParent(io.opentelemetry.context.Context.current().with(parent))
        .startSpan();
    try (Scope ignored = span.makeCurrent()) {
      return limiter.decide(request).whenComplete((decision, failure) -> {
        if (decision != null) {
          span.setAttribute("sluice.rate_limit.allowed", decision.allowed());
          decision.refusal().ifPresent(r -> span.setAttribute("sluice.rate_limit.refused_by", r.level().code()));
          for (LevelResult level : decision.applied()) {
            span.setAttribute("sluice.rate_limit." + level.level().code() + ".remaining", level.remaining());
          }
          for (LevelResult level : decision.shadowRefusals()) {
            span.setAttribute("sluice.rate_limit." + level.level().code() + ".shadow_refused", true);
          }
        } else {
          span.recordException(failure);
          span.setStatus(StatusCode.ERROR);
        }
        span.end();
      });
    }
  }

  private CompletableFuture<BuildStarter.Reply> admit(BuildStartRequest request, Span parent) {
    Span span = tracer.spanBuilder("build.admit")
        .setParent(io.opentelemetry.context.Context.current().with(parent))
        .setAttribute("sluice.parser_id", request.parserId())
        .startSpan();
    long start = System.nanoTime();
    try (Scope ignored = span.makeCurrent()) {
      return starter.start(request).whenComplete((reply, failure) -> {
        admissionTimer.record(System.nanoTime() - start, TimeUnit.NANOSECONDS);
        if (reply != null) {
          span.setAttribute("sluice.admission.status", reply.status());
        } else {
          span.recordException(failure);
          span.setStatus(StatusCode.ERROR);
        }
        span.end();
      });
    }
  }

  /** The body, at most {@code max_body_bytes}; a longer one is left to {@link UnreadBody} after its 413. */
  private byte[] readBody(Context ctx) {
    if (ctx.req().getContentLengthLong() > maxBodyBytes) {
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
