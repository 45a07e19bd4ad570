package network.notifi.sluice.api.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import network.notifi.sluice.api.config.ConfigException;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.http.Ports;
import network.notifi.sluice.api.http.Problem;
import network.notifi.sluice.api.limits.LimitsInForce;
import network.notifi.sluice.api.limits.LiveLimits;
import network.notifi.sluice.limiter.LimiterConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The operator's routes: {@code GET /version} on both ports; on the admin port only, {@code GET
 * /status} (a page), {@code GET /admin/limits} and {@code PUT /admin/limits} (writes need the {@link
 * AdminToken}).
 */
public final class AdminRoutes {

  private static final Logger LOG = LoggerFactory.getLogger(AdminRoutes.class);

  private final BuildInfo build;
  private final LiveLimits limits;
  private final AdminToken token;
  private final ObjectMapper json;
  private final byte[] statusPage = StatusPage.load();

  public AdminRoutes(BuildInfo build, LiveLimits limits, AdminToken token, ObjectMapper json) {
    this.build = Objects.requireNonNull(build, "build");
    this.limits = Objects.requireNonNull(limits, "limits");
    this.token = Objects.requireNonNull(token, "token");
    this.json = Objects.requireNonNull(json, "json");
  }

  /** Adds the routes to the app being configured, each on the port {@code ports} gives it. */
  public void register(JavalinConfig cfg, Ports ports) {
    cfg.routes.get("/version", ctx -> json(ctx, Map.of("version", build.version(), "commit", build.commit())));
    cfg.routes.get("/admin/limits", ports.admin(ctx -> json(ctx, body(limits.current()))));
    cfg.routes.put("/admin/limits", ports.admin(this::putLimits));
    cfg.routes.get("/status", ports.admin(ctx -> ctx.contentType("text/html; charset=utf-8").result(statusPage)));
  }

  private void putLimits(Context ctx) {
    token.requireWrite(ctx);
    JsonNode body;
    try {
      body = json.readTree(ctx.bodyAsBytes());
    } catch (JsonProcessingException e) {
      throw Problem.of(400, "invalid_limits", "the body is not JSON: " + e.getOriginalMessage()).exception();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    var changed = validated(body);
    ctx.future(() -> limits.change(changed)
        .thenAccept(inForce -> json(ctx, body(inForce)))
        .exceptionally(failure -> {
          LOG.warn("a change of the rate limits could not be stored: {}", failure.toString());
          throw Problem.of(503, "limits_unavailable",
              "the change could not be stored (the shared state did not answer); nothing changed").exception();
        }));
  }

  private LimiterConfig validated(JsonNode body) {
    try {
      return ConfigLoader.limits(body, limits.current().limits());
    } catch (ConfigException e) {
      throw Problem.of(400, "invalid_limits", e.getMessage()).exception();
    }
  }

  private static Map<String, Object> body(LimitsInForce inForce) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("version", inForce.version());
    body.put("source", inForce.source());
    body.put("changed_at", inForce.changedAt().toString());
    body.put("rate_limiting", ConfigLoader.limitSettings(inForce.limits()));
    return body;
  }

  private void json(Context ctx, Object body) {
    try {
      ctx.contentType("application/json").result(json.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
