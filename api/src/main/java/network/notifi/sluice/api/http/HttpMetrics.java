package network.notifi.sluice.api.http;

import io.javalin.http.Context;
import network.notifi.sluice.api.tracing.RequestSpans;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code http_server_requests_seconds{method, route, status}}: one histogram over every request,
 * labelled by the route template (never the raw path, so label values stay bounded). Also ends the
 * request's span, as this is the one hook that runs after every answer, async ones included.
 */
public final class HttpMetrics {

  private record Series(String method, String route, int status) {}

  private final MeterRegistry registry;
  // One timer per series, built once: this runs on every request. Bounded by routes x methods x statuses.
  private final ConcurrentMap<Series, Timer> timers = new ConcurrentHashMap<>();

  public HttpMetrics(MeterRegistry registry) {
    this.registry = registry;
  }

  /** Called by Javalin's request logger once a request, async ones included, has been answered. */
  public void record(Context ctx, Float executionTimeMs) {
    RequestSpans.end(ctx);
    var endpoint = ctx.endpoints().lastHttpEndpoint();
    String route = endpoint == null ? "unmatched" : endpoint.path;
    timers
        .computeIfAbsent(new Series(ctx.method().name(), route, ctx.statusCode()), this::timer)
        .record((long) (executionTimeMs * 1_000_000L), TimeUnit.NANOSECONDS);
  }

  private Timer timer(Series series) {
    return Timer.builder("http_server_requests")
        .description("HTTP requests served")
        .tag("method", series.method())
        .tag("route", series.route())
        .tag("status", Integer.toString(series.status()))
        .publishPercentileHistogram()
        .minimumExpectedValue(Duration.ofNanos(50_000))
        .maximumExpectedValue(Duration.ofSeconds(10))
        .register(registry);
  }
}
