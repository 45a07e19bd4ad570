package network.notifi.sluice.api.observability;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * A real Prometheus (Debian's {@code prometheus} binary) on a free loopback port, scraping the
 * given targets every second, with its storage in a temporary directory. {@link #start} returns
 * once it is ready; {@link #close} stops it and deletes the directory (a shutdown hook does the
 * same if a test run dies first). Queries are thread-safe; start and close are not.
 */
public final class PrometheusServer implements AutoCloseable {

  /** The scrape job's name: {@code up{job="sluice"}}. */
  public static final String JOB = "sluice";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);

  private final Process process;
  private final Path dir;
  private final String base;
  private final Thread shutdownHook;
  private final HttpClient http =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

  private PrometheusServer(Process process, Path dir, int port) {
    this.process = process;
    this.dir = dir;
    this.base = "http://127.0.0.1:" + port;
    this.shutdownHook = new Thread(this::stop, "prometheus-server-stop");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /**
   * Starts Prometheus scraping {@code targets} ({@code host:port}, path {@code /metrics}) every
   * second and waits until it is ready. Blocks up to a minute.
   *
   * @throws AssertionError if the binary is missing (naming the Debian package) or it does not start
   */
  public static PrometheusServer start(List<String> targets) {
    Path binary = DebianTools.require("prometheus", "prometheus");
    Path dir;
    try {
      dir = Files.createTempDirectory("sluice-prometheus-");
      Files.writeString(dir.resolve("prometheus.yml"), config(targets));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int port = freePort();
    Process process;
    try {
      process = new ProcessBuilder(
              binary.toString(),
              "--config.file=" + dir.resolve("prometheus.yml"),
              "--storage.tsdb.path=" + dir.resolve("data"),
              "--web.listen-address=127.0.0.1:" + port,
              "--log.level=warn")
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("prometheus.log").toFile())
          .start();
    } catch (IOException e) {
      deleteQuietly(dir);
      throw new UncheckedIOException("could not start " + binary, e);
    }
    var server = new PrometheusServer(process, dir, port);
    try {
      server.awaitReady();
      return server;
    } catch (RuntimeException | AssertionError e) {
      String log = server.log();
      server.close();
      throw new AssertionError("Prometheus did not become ready on port " + port + "; its log:\n" + log, e);
    }
  }

  private static String config(List<String> targets) {
    String list = targets.stream().map(t -> "'" + t + "'").collect(Collectors.joining(", "));
    return """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
          evaluation_interval: 1s
        scrape_configs:
          - job_name: %s
            metrics_path: /metrics
            static_configs:
              - targets: [%s]
        """.formatted(JOB, list);
  }

  private void awaitReady() {
    await("Prometheus ready at " + base)
        .atMost(READY_TIMEOUT)
        .pollInterval(Duration.ofMillis(100))
        .ignoreExceptions()
        .until(() -> {
          if (!process.isAlive()) {
            throw new AssertionError("Prometheus exited with " + process.exitValue());
          }
          return get("/-/ready").statusCode() == 200;
        });
  }

  /** The base URL, e.g. {@code http://127.0.0.1:41234}. */
  public String url() {
    return base;
  }

  /**
   * Runs an instant query now and returns {@code data.result} (a vector's series, possibly empty).
   *
   * @throws PromQlException if Prometheus rejects the query (bad syntax, bad types...)
   */
  public JsonNode query(String promql) {
    var response = get("/api/v1/query?query=" + URLEncoder.encode(promql, StandardCharsets.UTF_8));
    JsonNode body = json(response.body());
    if (!"success".equals(body.path("status").asText())) {
      throw new PromQlException(promql, body.path("errorType").asText() + ": " + body.path("error").asText());
    }
    return body.path("data").path("result");
  }

  /** The server's own output so far, for failure messages. */
  public String log() {
    try {
      return Files.readString(dir.resolve("prometheus.log"));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  @Override
  public void close() {
    stop();
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // The hook is running or has run; nothing left to do.
    }
  }

  private synchronized void stop() {
    if (process.isAlive()) {
      process.destroy();
      try {
        if (!process.waitFor(10, TimeUnit.SECONDS)) {
          process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
    deleteQuietly(dir);
  }

  private HttpResponse<String> get(String pathAndQuery) {
    try {
      var request = HttpRequest.newBuilder(URI.create(base + pathAndQuery)).timeout(Duration.ofSeconds(10)).GET().build();
      return http.send(request, HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode json(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      throw new UncheckedIOException("not JSON: " + body, e);
    }
  }

  private static int freePort() {
    try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteQuietly(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(dir)) {
      List<Path> all = new ArrayList<>(paths.sorted(Comparator.reverseOrder()).toList());
      for (Path p : all) {
        Files.deleteIfExists(p);
      }
    } catch (IOException e) {
      // Best effort: a temp directory left behind is harmless.
    }
  }

  /** Prometheus refused a query. */
  public static final class PromQlException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PromQlException(String promql, String error) {
      super(error + " in: " + promql);
    }
  }
}
