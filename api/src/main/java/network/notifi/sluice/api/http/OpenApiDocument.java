package network.notifi.sluice.api.http;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.javalin.config.JavalinConfig;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 description of the service, kept as {@code openapi.yaml}
 * beside the code (readable in review) and served as JSON with {@code info.version} set to the
 * running build's. Rendered once; thread-safe.
 */
public final class OpenApiDocument {

  static final String RESOURCE = "/openapi.yaml";

  private final byte[] json;

  private OpenApiDocument(byte[] json) {
    this.json = json;
  }

  /** The document of this build, {@code version} being the running build's version. */
  public static OpenApiDocument load(String version) {
    try (InputStream in = OpenApiDocument.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      var tree = (ObjectNode) new ObjectMapper(new YAMLFactory()).readTree(in);
      ((ObjectNode) tree.get("info")).put("version", version);
      return new OpenApiDocument(new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsBytes(tree));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }

  /** The document as JSON. */
  public byte[] json() {
    return json.clone();
  }

  /** Adds {@code GET /openapi.json} to the app being configured. */
  public void register(JavalinConfig cfg) {
    cfg.routes.get("/openapi.json", ctx -> ctx.contentType("application/json").result(json));
  }
}
