package network.notifi.sluice.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.javalin.config.JavalinConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 description of the service, kept as {@code openapi.yaml}
 * beside the code (readable in review) and served as JSON with {@code info.version} set to the
 * running build's. The admin port serves all of it; the public port leaves out the paths tagged
 * {@code admin}, which it does not serve either. Rendered once; thread-safe.
 */
public final class OpenApiDocument {

  static final String RESOURCE = "/openapi.yaml";

  private static final String ADMIN_TAG = "admin";

  private final byte[] json;
  private final byte[] publicJson;

  private OpenApiDocument(byte[] json, byte[] publicJson) {
    this.json = json;
    this.publicJson = publicJson;
  }

  /** The document of this build, {@code version} being the running build's version. */
  public static OpenApiDocument load(String version) {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      var tree = (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(in);
      ((ObjectNode) tree.get("info")).put("version", version);
      var writer = new ObjectMapper().writerWithDefaultPrettyPrinter();
      byte[] full = writer.writeValueAsBytes(tree);
      ((ObjectNode) tree.get("paths")).retain(publicPaths(tree.get("paths")));
      return new OpenApiDocument(full, writer.writeValueAsBytes(tree));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** The paths with an operation not tagged {@code admin}. */
  private static List<String> publicPaths(JsonNode paths) {
    List<String> names = new ArrayList<>();
    paths.fields().forEachRemaining(path -> {
      boolean adminOnly = true;
      for (JsonNode operation : path.getValue()) {
        boolean admin = false;
        for (JsonNode tag : operation.path("tags")) {
          admin |= ADMIN_TAG.equals(tag.asText());
        }
        adminOnly &= admin;
      }
      if (!adminOnly) {
        names.add(path.getKey());
      }
    });
    return names;
  }

  /** Adds {@code GET /openapi.json} to the app being configured: all of it on the admin port, the public paths on the public port. */
  public void register(JavalinConfig cfg, Ports ports) {
    cfg.routes.get("/openapi.json",
        ctx -> ctx.contentType("application/json").result(ports.onAdminPort(ctx) ? json : publicJson));
  }
}
