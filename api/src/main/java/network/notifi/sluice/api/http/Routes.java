package network.notifi.sluice.api.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import java.util.Map;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.limiter.Clock;
import network.notifi.sluice.limiter.MultiLevelLimiter;

/** Every route of the service, and the one place exceptions become responses. */
public final class Routes {

  private final EventsHandler events;
  private final RateLimitStatus status;
  private final Responses responses;
  private final PrometheusMeterRegistry registry;

  public Routes(
      SluiceConfig config,
      MultiLevelLimiter limiter,
      Clock clock,
      BuildStarter starter,
      Responses responses,
      PrometheusMeterRegistry registry,
      Tracer tracer) {
    var topRefused = new TopRefused(System::nanoTime);
    this.events =
        new EventsHandler(limiter, clock, config.server().maxBodyBytes(), starter, responses, tracer, topRefused);
    this.status = new RateLimitStatus(limiter, topRefused, responses);
    this.responses = responses;
    this.registry = registry;
  }

  public void register(JavalinConfig cfg) {
    cfg.routes.post("/events", events);
    cfg.routes.get("/health/live", ctx -> json(ctx, Map.of("status", "UP")));
    cfg.routes.get("/health/ready", ctx -> json(ctx, Map.of("status", "UP")));
    cfg.routes.get("/metrics", this::metrics);
    cfg.routes.get("/ratelimits", status);

    cfg.routes.exception(Problem.ProblemException.class, (e, ctx) -> responses.problem(ctx, e.problem(), null, null));
    cfg.routes.exception(Exception.class, (e, ctx) -> responses.failure(ctx, e, null, null));
    cfg.routes.error(404, ctx -> {
      if (!Problem.MEDIA_TYPE.equals(ctx.res().getContentType())) {
        responses.problem(ctx, Problem.of(404, "not_found", "no route for " + ctx.method() + " " + ctx.path()), null, null);
      }
    });
    cfg.routes.error(405, ctx -> responses.problem(
        ctx, Problem.of(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path()), null, null));
    cfg.routes.error(413, ctx -> {
      if (!Problem.MEDIA_TYPE.equals(ctx.res().getContentType())) {
        responses.problem(ctx, Problem.of(413, "body_too_large", "request body too large"), null, null);
      }
    });
  }

  /** Adds a member to {@code GET /ratelimits}, e.g. job slots or degraded mode. */
  public void statusSection(String name, java.util.function.Supplier<java.util.concurrent.CompletableFuture<?>> value) {
    status.section(name, value);
  }

  private void metrics(Context ctx) {
    ctx.status(HttpStatus.OK)
        .contentType("text/plain; version=0.0.4; charset=utf-8")
        .result(registry.scrape());
  }

  private void json(Context ctx, Object body) {
    ctx.contentType("application/json").result(responses.bytes(body));
  }
}
