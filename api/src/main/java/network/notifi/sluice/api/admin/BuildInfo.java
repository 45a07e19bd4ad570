package network.notifi.sluice.api.admin;

import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.prometheus.metrics.core.metrics.Info;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Objects;
import java.util.Properties;

/**
 * What was built: the project version and the git commit, from {@code sluice-build.properties},
 * which the api module's build writes (api/pom.xml). {@code unknown} where the build could not tell.
 *
 * @param version the Maven project version, e.g. {@code 0.1.0-SNAPSHOT}
 * @param commit the abbreviated commit, or {@code unknown} outside a git checkout
 */
public record BuildInfo(String version, String commit) {

  static final String RESOURCE = "/sluice-build.properties";
  private static final String UNKNOWN = "unknown";

  public BuildInfo {
    Objects.requireNonNull(version, "version");
    Objects.requireNonNull(commit, "commit");
  }

  /** This build's, read from the classpath. */
  public static BuildInfo current() {
    Properties properties = new Properties();
    try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
      if (in != null) {
        properties.load(in);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + RESOURCE, e);
    }
    return new BuildInfo(
        properties.getProperty("version", UNKNOWN).strip(), properties.getProperty("commit", UNKNOWN).strip());
  }

  /**
   * Registers {@code sluice_build_info{version,commit} 1}, the Prometheus idiom for build labels. An
   * info metric of the Prometheus registry itself: Micrometer's naming drops a gauge's {@code _info}.
   */
  public void register(PrometheusMeterRegistry registry) {
    Info.builder()
        .name("sluice_build_info")
        .help("Always 1; the labels say which build runs")
        .labelNames("version", "commit")
        .register(registry.getPrometheusRegistry())
        .addLabelValues(version, commit);
  }
}
