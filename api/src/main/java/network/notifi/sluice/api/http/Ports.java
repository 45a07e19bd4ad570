package network.notifi.sluice.api.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.Set;
import java.util.function.IntSupplier;

/**
 * Which port serves which route. The public port serves the API ({@code /events}, {@code
 * /builds/{id}}); the admin port serves what only monitoring and operators may reach ({@code
 * /metrics}, {@code /ratelimits}, {@code /status}, {@code /admin/limits}); both serve {@code
 * /health/*}, {@code /version} and {@code /openapi.json} (each port's own, see {@link
 * OpenApiDocument}). A route asked on the other port gets the same 404 as a path that does not
 * exist, so the public port does not reveal the admin routes.
 *
 * <p>The port is the socket's local port, never the {@code Host} header, which the client writes.
 * Each handler is wrapped, so whatever spelling of a path reaches a handler, the handler's port rule
 * holds.
 */
public final class Ports {

  /** The admin routes, for the 405 answer (a method not allowed on a route the port does not serve is a 404). */
  static final Set<String> ADMIN_PATHS = Set.of("/metrics", "/ratelimits", "/status", "/admin/limits");

  /** The routes both ports serve, besides {@code /health/*}. */
  static final Set<String> BOTH_PORTS_PATHS = Set.of("/version", "/openapi.json");

  private final IntSupplier adminPort;

  /** @param adminPort the admin connector's bound port, asked at request time (-1 until bound) */
  public Ports(IntSupplier adminPort) {
    this.adminPort = adminPort;
  }

  /** {@code handler} on the admin port only. */
  public Handler admin(Handler handler) {
    return ctx -> {
      if (!onAdminPort(ctx)) {
        throw notFound(ctx).exception();
      }
      handler.handle(ctx);
    };
  }

  /** {@code handler} on the public port only. */
  Handler publicOnly(Handler handler) {
    return ctx -> {
      if (onAdminPort(ctx)) {
        throw notFound(ctx).exception();
      }
      handler.handle(ctx);
    };
  }

  /** Whether the route of {@code ctx}'s path is served on the port it came in on (health, version and the description on both). */
  boolean servesHere(Context ctx) {
    String path = withoutTrailingSlashes(ctx.path());
    if (path.startsWith("/health/") || BOTH_PORTS_PATHS.contains(path)) {
      return true;
    }
    return ADMIN_PATHS.contains(path) == onAdminPort(ctx);
  }

  /** Whether {@code ctx} came in on the admin port. */
  public boolean onAdminPort(Context ctx) {
    return ctx.req().getLocalPort() == adminPort.getAsInt();
  }

  static Problem notFound(Context ctx) {
    return Problem.of(404, "not_found", "no route for " + ctx.method() + " " + ctx.path());
  }

  private static String withoutTrailingSlashes(String path) {
    int end = path.length();
    while (end > 1 && path.charAt(end - 1) == '/') {
      end--;
    }
    return path.substring(0, end);
  }
}
