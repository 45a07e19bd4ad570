package network.notifi.sluice.api.http;

import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import io.javalin.http.HttpStatus;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.trace.Tracer;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.MultiLevelLimiter;

/**
 * Every route of the service, each on its port ({@link Ports}), and the one place exceptions become
 * responses.
 */
public final class Routes {

  private final EventsHandler events;
  private final RateLimitStatus status;
  private final BuildsHandler builds;
  private final Dependencies dependencies;
  private final Responses responses;
  private final PrometheusMeterRegistry registry;
  private final Ports ports;

  public Routes(
      SluiceConfig config,
      MultiLevelLimiter limiter,
      EpochNanoClock clock,
      BuildStarter starter,
      Responses responses,
      PrometheusMeterRegistry registry,
      Tracer tracer,
      BuildAdmission admission,
      Dependencies dependencies,
      Ports ports,
      Authenticator authenticator) {
    this.ports = ports;
    this.dependencies = dependencies;
    this.builds = new BuildsHandler(admission, responses, authenticator);
    var topRefused = new TopRefused(System::nanoTime);
    this.events =
        new EventsHandler(limiter, clock, config.server().maxBodyBytes(), config.server().limits().maxJsonDepth(), starter,
            responses, tracer, topRefused, registry,
            authenticator, new BuildNamespaces(admission.config()));
    this.status = new RateLimitStatus(limiter, topRefused, responses);
    status.section("jobs", () -> jobsStatus(admission));
    status.section("dependencies", () -> CompletableFuture.completedFuture(dependencies.report().get("dependencies")));
    this.responses = responses;
    this.registry = registry;
  }

  public void register(JavalinConfig cfg) {
    cfg.routes.post("/events", ports.publicOnly(events));
    cfg.routes.get("/builds/{id}", ports.publicOnly(builds));
    cfg.routes.get("/health/live", ctx -> json(ctx, Map.of("status", "UP")));
    cfg.routes.get("/health/ready", this::ready);
    cfg.routes.get("/metrics", ports.admin(this::metrics));
    cfg.routes.get("/ratelimits", ports.admin(status));

    cfg.routes.after(UnreadBody::finish);
    cfg.routes.exception(Problem.ProblemException.class, (e, ctx) -> responses.problem(ctx, e.problem(), null, null));
    cfg.routes.exception(Exception.class, (e, ctx) -> responses.failure(ctx, e, null, null));
    cfg.routes.error(404, ctx -> {
      if (!Problem.MEDIA_TYPE.equals(ctx.res().getContentType())) {
        responses.problem(ctx, Problem.of(404, "not_found", "no route for " + ctx.method() + " " + ctx.path()), null, null);
      }
    });
    cfg.routes.error(405, ctx -> responses.problem(ctx, ports.servesHere(ctx)
        ? Problem.of(405, "method_not_allowed", ctx.method() + " is not allowed on " + ctx.path())
        : Ports.notFound(ctx), null, null));
    cfg.routes.error(413, ctx -> {
      if (!Problem.MEDIA_TYPE.equals(ctx.res().getContentType())) {
        responses.problem(ctx, Problem.of(413, "body_too_large", "request body too large"), null, null);
      }
    });
  }

  /** Slots used and limit, and queue depth, per configured namespace. */
  private static CompletableFuture<?> jobsStatus(BuildAdmission admission) {
    var config = admission.config();
    Set<String> namespaces = new TreeSet<>(config.namespaces());
    // A namespace whose usage the stores cannot give (Redis down) shows its limit and "unavailable".
    List<CompletableFuture<Map<String, Object>>> usages = namespaces.stream()
        .map(ns -> admission.usage(ns)
            .<Map<String, Object>>thenApply(usage -> Map.of(
                "slots_used", usage.active(), "slots_limit", usage.limit(), "queue_depth", usage.queued()))
            .exceptionally(e -> Map.of("slots_limit", config.limitFor(ns), "usage", "unavailable")))
        .toList();
    return CompletableFuture.allOf(usages.toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<String, Object> byNamespace = new LinkedHashMap<>();
      var names = List.copyOf(namespaces);
      for (int i = 0; i < names.size(); i++) {
        byNamespace.put(names.get(i), usages.get(i).join());
      }
      return Map.of("on_capacity", config.onCapacity().name().toLowerCase(Locale.ROOT),
          "failure_mode", admission.failureMode().code(),
          "degraded", admission.isDegraded(),
          "namespaces", byNamespace);
    });
  }

  /** Adds a member to {@code GET /ratelimits}, e.g. job slots or degraded mode. */
  public void statusSection(String name, Supplier<CompletableFuture<?>> value) {
    status.section(name, value);
  }

  /**
   * All meters, or with {@code ?name[]=a&name[]=b} only those metric families (the parameter of
   * Prometheus' own exporters; a counter may be named with or without {@code _total}), so that a
   * frequent poller of one gauge does not render them all.
   */
  private void metrics(Context ctx) {
    String contentType = "text/plain; version=0.0.4; charset=utf-8";
    Set<String> names = new TreeSet<>();
    for (String name : ctx.queryParams("name[]")) {
      names.add(name.endsWith("_total") ? name.substring(0, name.length() - "_total".length()) : name);
    }
    ctx.status(HttpStatus.OK)
        .contentType(contentType)
        .result(names.isEmpty() ? registry.scrape() : registry.scrape(contentType, names));
  }

  /**
   * Ready or degraded, on both ports; what is degraded and how (addresses, breaker states) only on
   * the admin port, as it tells an outsider about the inside.
   */
  private void ready(Context ctx) {
    Map<String, Object> report = dependencies.report();
    json(ctx, ports.onAdminPort(ctx) ? report : Map.of("status", report.get("status")));
  }

  private void json(Context ctx, Object body) {
    ctx.contentType("application/json").result(responses.bytes(body));
  }
}
