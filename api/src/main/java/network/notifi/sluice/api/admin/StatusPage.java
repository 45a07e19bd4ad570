package network.notifi.sluice.api.admin;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * {@code GET /status}: {@code status.html}, a page that renders what this replica sees (buckets,
 * namespaces, dependencies, the most refused third parties) from the JSON routes and refreshes
 * itself. Nothing is loaded from elsewhere.
 */
final class StatusPage {

  static final String RESOURCE = "/status.html";

  private StatusPage() {}

  /** The page's bytes. */
  static byte[] load() {
    try (InputStream in = StatusPage.class.getResourceAsStream(RESOURCE)) {
      if (in == null) {
        throw new IllegalStateException(RESOURCE + " is missing from the classpath");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
  }
}
