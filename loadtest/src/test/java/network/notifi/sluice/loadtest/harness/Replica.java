package network.notifi.sluice.loadtest.harness;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * One Sluice process ({@code java -jar sluice.jar}) on free loopback ports: the public one the load
 * goes to, and the admin one its {@code /metrics} and {@code /ratelimits} are read from.
 */
final class Replica implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  /**
   * Extra JVM options every replica gets ({@code --replica-jvm-opts} or {@code
   * SLUICE_REPLICA_JAVA_OPTS}), before {@code -jar}; later options win over the defaults above them.
   */
  static volatile List<String> jvmOptions = List.of();

  final int port;
  final int adminPort;
  final Proc proc;

  private Replica(int port, int adminPort, Proc proc) {
    this.port = port;
    this.adminPort = adminPort;
    this.proc = proc;
  }

  static Replica start(Path jar, String name, Map<String, String> env, Path logDir) throws Exception {
    return start(jar, name, env, logDir, List.of());
  }

  /** A replica with {@code moreJvmOptions} after {@link #jvmOptions} (an A/B comparison's B side). */
  static Replica start(Path jar, String name, Map<String, String> env, Path logDir, List<String> moreJvmOptions)
      throws Exception {
    int port = Proc.freePort(false);
    int adminPort = Proc.freePort(false);
    Map<String, String> all = new java.util.HashMap<>(env);
    all.put("SLUICE_PORT", Integer.toString(port));
    all.put("SLUICE_SERVER_ADMIN_PORT", Integer.toString(adminPort));
    all.put("SLUICE_SERVER_HOST", "127.0.0.1");
    all.putIfAbsent("SLUICE_LOG_LEVEL", "WARN");
    List<String> cmd = new java.util.ArrayList<>(List.of("java", "-Xms256m", "-Xmx768m"));
    cmd.addAll(jvmOptions);
    cmd.addAll(moreJvmOptions);
    cmd.addAll(List.of("-jar", jar.toString()));
    Proc p = Proc.start(name, cmd, all, logDir.resolve(name + ".log"));
    return new Replica(port, adminPort, p);
  }

  /** The JVM's process id (the command is {@code java} itself, no wrapper). */
  long pid() {
    return proc.process.pid();
  }

  String name() {
    return proc.name;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  void awaitReady(Duration timeout) throws Exception {
    Wait.until(proc.name + " ready on " + port, timeout, () -> {
      if (!proc.alive()) {
        throw new IllegalStateException(proc.name + " exited " + proc.process.exitValue() + ":\n"
            + proc.tail(20));
      }
      return get("/health/ready").statusCode() == 200;
    });
  }

  /**
   * Warms the JIT up on the HTTP path without taking a token: health checks and build starts that
   * are refused as invalid (415) before the limiter is asked.
   */
  void warmUp(int requests) throws Exception {
    for (int i = 0; i < requests; i++) {
      get("/health/live");
      HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/events")).timeout(Duration.ofSeconds(5))
          .header("Ce-Type", "network.notifi.lambda.build.start").header("Content-Type", "text/plain")
          .POST(HttpRequest.BodyPublishers.ofString("warm-up")).build(), HttpResponse.BodyHandlers.discarding());
    }
  }

  /**
   * Warms the JIT up on the path the scenarios measure: {@code requests} real build starts (8 at a
   * time, parsers {@code warm-up-*}, ten third parties), through the limiter and build admission.
   * They take tokens and slots: the caller waits until the replicas are {@link #idle} again before
   * measuring, and the checks compare counters read after that.
   */
  void warmUpBuildStarts(int requests) throws Exception {
    var pool = java.util.concurrent.Executors.newFixedThreadPool(8);
    try {
      List<java.util.concurrent.Future<?>> sent = new java.util.ArrayList<>();
      String run = Long.toString(System.nanoTime(), 36);
      for (int i = 0; i < requests; i++) {
        int n = i;
        sent.add(pool.submit(() -> HTTP.send(HttpRequest.newBuilder(URI.create(url() + "/events"))
            .timeout(Duration.ofSeconds(10))
            .header("Ce-Type", "network.notifi.lambda.build.start").header("Ce-Id", "warm-up-" + run + "-" + n)
            .header("Content-Type", "application/json").header("X-Third-Party-ID", "warm-up-" + (n % 10))
            .POST(HttpRequest.BodyPublishers.ofString("{\"parser_id\":\"warm-up-" + run + "-" + n + "\"}")).build(),
            HttpResponse.BodyHandlers.discarding())));
      }
      for (var f : sent) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Build admission is wired: {@code /ratelimits} reports jobs. */
  boolean hasJobs() throws Exception {
    return getAdmin("/ratelimits").body().contains("\"jobs\"");
  }

  /** No build queued (nor running, with {@code slotsFree}), the global and endpoint buckets full. */
  boolean idle(boolean slotsFree) throws Exception {
    String s = getAdmin("/ratelimits").body();
    return full(s, "global") && full(s, "build.start") && (!slotsFree || sum(s, "slots_used") == 0)
        && sum(s, "queue_depth") == 0;
  }

  private static boolean full(String json, String level) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + java.util.regex.Pattern.quote(level)
        + "\":\\{[^}]*?\"burst\":([0-9.]+)[^}]*?\"available\":([0-9.]+)").matcher(json);
    return m.find() && Double.parseDouble(m.group(2)) >= Double.parseDouble(m.group(1)) - 1;
  }

  private static double sum(String json, String key) {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + key + "\":([0-9.]+)").matcher(json);
    double total = 0;
    while (m.find()) {
      total += Double.parseDouble(m.group(1));
    }
    return total;
  }

  HttpResponse<String> get(String path) throws Exception {
    return get(url(), path);
  }

  /** A GET on the admin port ({@code /metrics}, {@code /ratelimits}). */
  HttpResponse<String> getAdmin(String path) throws Exception {
    return get("http://127.0.0.1:" + adminPort, path);
  }

  private static HttpResponse<String> get(String base, String path) throws Exception {
    return HTTP.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(5))
        .GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  Metrics metrics() throws Exception {
    return metrics("/metrics");
  }

  /** Only the named metric families: cheap enough to poll every few milliseconds. */
  Metrics metricsNamed(String... names) throws Exception {
    StringBuilder path = new StringBuilder("/metrics");
    for (int i = 0; i < names.length; i++) {
      path.append(i == 0 ? '?' : '&').append("name%5B%5D=").append(names[i]);
    }
    return metrics(path.toString());
  }

  private Metrics metrics(String path) throws Exception {
    HttpResponse<String> r = getAdmin(path);
    if (r.statusCode() != 200) {
      throw new IllegalStateException(proc.name + " /metrics answered " + r.statusCode());
    }
    return Metrics.parse(r.body());
  }

  @Override
  public void close() {
    proc.close();
  }
}
