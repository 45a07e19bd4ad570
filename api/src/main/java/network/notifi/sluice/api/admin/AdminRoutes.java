package network.notifi.sluice.api.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.config.JavalinConfig;
import io.javalin.http.Context;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Objects;

/**
 * The operator's routes: {@code GET /version}. Meant for the admin port; {@link #register} adds them
 * to whichever app it is given.
 */
public final class AdminRoutes {

  private final BuildInfo build;
  private final ObjectMapper json;

  public AdminRoutes(BuildInfo build, ObjectMapper json) {
    this.build = Objects.requireNonNull(build, "build");
    this.json = Objects.requireNonNull(json, "json");
  }

  /** Adds the routes to the app being configured. */
  public void register(JavalinConfig cfg) {
    cfg.routes.get("/version", ctx -> json(ctx, Map.of("version", build.version(), "commit", build.commit())));
  }

  private void json(Context ctx, Object body) {
    try {
      ctx.contentType("application/json").result(json.writeValueAsBytes(body));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
