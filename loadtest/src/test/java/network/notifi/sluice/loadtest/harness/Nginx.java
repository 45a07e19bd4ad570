package network.notifi.sluice.loadtest.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * Debian's nginx as a round-robin balancer with upstream keep-alive, in the foreground from a
 * minimal configuration in its own directory ({@code nginx -p DIR -c nginx.conf}).
 */
final class Nginx implements AutoCloseable {
  final int port;
  final Path dir;
  private final Proc proc;

  private Nginx(int port, Path dir, Proc proc) {
    this.port = port;
    this.dir = dir;
    this.proc = proc;
  }

  static String binary() {
    for (String p : List.of("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/bin/nginx")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    return null;
  }

  /** How nginx picks a replica for a request. */
  enum Balance {
    /** In turn (nginx's default). */
    ROUND_ROBIN(""),
    /**
     * By the {@code X-Third-Party-ID} header, consistently: a third party's requests go to one replica
     * (the next one if it fails); requests without the header in turn (nginx's hash falls back to
     * round robin on an empty key).
     */
    THIRD_PARTY("hash $http_x_third_party_id consistent;");

    final String directive;

    Balance(String directive) {
      this.directive = directive;
    }

    static Balance of(String name) {
      return switch (name) {
        case "round-robin" -> ROUND_ROBIN;
        case "third-party" -> THIRD_PARTY;
        default -> throw new IllegalArgumentException("--balance: round-robin or third-party, not " + name);
      };
    }
  }

  static Nginx start(Path workDir, List<Replica> upstreams, Balance balance, Log log) throws Exception {
    String bin = binary();
    if (bin == null) {
      throw new IllegalStateException("nginx not found: install Debian's package nginx-light (or nginx)");
    }
    Path dir = Files.createDirectories(workDir.resolve("nginx"));
    Files.createDirectories(dir.resolve("logs"));
    Files.setPosixFilePermissions(workDir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    int port = Proc.freePort(false);
    String servers = upstreams.stream().map(r -> "    server 127.0.0.1:" + r.port + ";")
        .collect(Collectors.joining("\n"));
    String conf = """
        # written by the Sluice load-test harness
        daemon off;
        worker_processes 2;
        worker_rlimit_nofile 16384;
        pid %1$s/nginx.pid;
        error_log %1$s/logs/error.log warn;
        events {
          # a client connection and an upstream connection each; 8192 covers 4000 clients
          worker_connections 8192;
        }
        http {
          log_format sluice '$status $upstream_addr $request_time $msec $request_method "$content_type"';
          access_log %1$s/logs/access.log sluice buffer=256k flush=1s;
          client_body_temp_path %1$s/client_body;
          proxy_temp_path %1$s/proxy;
          fastcgi_temp_path %1$s/fastcgi;
          uwsgi_temp_path %1$s/uwsgi;
          scgi_temp_path %1$s/scgi;
          keepalive_requests 100000;
          upstream sluice {
            %4$s
        %2$s
            keepalive 128;
            keepalive_requests 100000;
          }
          server {
            listen 127.0.0.1:%3$d backlog=1024;
            location / {
              proxy_pass http://sluice;
              proxy_http_version 1.1;
              proxy_set_header Connection "";
              proxy_set_header Host $host;
              proxy_set_header X-Forwarded-For $remote_addr;
            }
          }
        }
        """.formatted(dir, servers, port, balance.directive);
    Files.writeString(dir.resolve("nginx.conf"), conf);
    Proc p = Proc.start("nginx", List.of(bin, "-p", dir.toString(), "-e", dir.resolve("logs/error.log").toString(),
            "-c", dir.resolve("nginx.conf").toString()),
        Map.of(), dir.resolve("logs/stdout.log"));
    Nginx n = new Nginx(port, dir, p);
    try {
      Wait.until("nginx on " + port, Duration.ofSeconds(10), () -> {
        if (!p.alive()) {
          throw new IllegalStateException("nginx exited: " + p.tail(10) + "\n"
              + Files.readString(dir.resolve("logs/error.log")));
        }
        return Proc.listening(port);
      });
    } catch (Exception e) {
      n.close();
      throw e;
    }
    log.info("nginx " + bin + " on 127.0.0.1:" + port + " -> " + upstreams.size() + " replicas, "
        + balance.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    return n;
  }

  String url() {
    return "http://127.0.0.1:" + port;
  }

  /** Answers with a 5xx status in the access log so far (flushed at most 1 s late). */
  long serverErrors() throws Exception {
    Path access = dir.resolve("logs/access.log");
    if (!Files.exists(access)) {
      return 0;
    }
    try (var lines = Files.lines(access)) {
      return lines.filter(l -> l.startsWith("5")).count();
    }
  }

  /**
   * Every line of the access log so far ({@code status upstream request_time msec method
   * "content_type"}; flushed at most 1 s late).
   */
  List<String> accessLines() throws Exception {
    Path access = dir.resolve("logs/access.log");
    return Files.exists(access) ? Files.readAllLines(access) : List.of();
  }

  /**
   * What the balancer saw of the requests logged after the first {@code skip} lines, leaving out the
   * load generator's warm-up ({@code GET}s and {@code text/plain} build starts): how long after the
   * first request the last one arrived, from the first request in to the last answer out, and the
   * time from a request's first byte to its answer's last. Arrivals that spread over much of the
   * latency mean the load generator, not the service, took that time.
   */
  BalancerView view(long skip) throws Exception {
    List<String> lines = accessLines();
    return view(lines.subList((int) Math.min(skip, lines.size()), lines.size()));
  }

  /** See {@link #view(long)}: of these access log lines. */
  static BalancerView view(List<String> lines) {
    List<double[]> requests = new ArrayList<>(); // {arrived s, took ms}
    double first = Double.MAX_VALUE;
    double last = 0;
    double lastOut = 0;
    for (String line : lines) {
      String[] f = line.split(" ", 6);
      if (f.length < 6 || f[4].equals("GET") || f[5].startsWith("\"text/plain")) {
        continue;
      }
      double took = Double.parseDouble(f[2]);
      double out = Double.parseDouble(f[3]);
      double arrived = out - took;
      first = Math.min(first, arrived);
      last = Math.max(last, arrived);
      lastOut = Math.max(lastOut, out);
      requests.add(new double[] {arrived, took * 1000});
    }
    List<Double> times = new ArrayList<>();
    List<List<Double>> windows = new ArrayList<>();
    for (double[] r : requests) {
      times.add(r[1]);
      int window = (int) ((r[0] - first) / WINDOW_SECONDS);
      while (windows.size() <= window) {
        windows.add(new ArrayList<>());
      }
      windows.get(window).add(r[1]);
    }
    return new BalancerView(times.size(), times.isEmpty() ? Double.NaN : (last - first) * 1000,
        times.isEmpty() ? Double.NaN : (lastOut - first) * 1000,
        Quantiles.nearestRank(times, 0.5), Quantiles.nearestRank(times, 0.99),
        windows.stream().map(w -> Quantiles.nearestRank(w, 0.99)).toList());
  }

  /** Seconds of arrivals per window of {@link BalancerView#p99PerWindowMs}. */
  static final int WINDOW_SECONDS = 5;

  /**
   * See {@link #view}; times in ms. {@code p99PerWindowMs}: the p99 of the requests that arrived in
   * each {@value #WINDOW_SECONDS} s from the first (NaN for a window without any), which tells a
   * start-up transient from a steady tail.
   */
  record BalancerView(int requests, double arrivalSpreadMs, double firstInToLastOutMs, double p50Ms, double p99Ms,
      List<Double> p99PerWindowMs) {
    String row() {
      return String.format("| nginx, first byte in to answer out (nearest rank; arrivals spread over %.0f ms) | %d | %.1f | %.1f |",
          arrivalSpreadMs, requests, p50Ms, p99Ms);
    }

    /** The p99 of each window, in ms, as one line. */
    String timeline() {
      return "nginx, p99 of the requests arriving in each " + WINDOW_SECONDS + " s, ms: "
          + String.join(" ", p99PerWindowMs.stream().map(v -> String.format("%.0f", v)).toList());
    }
  }

  @Override
  public void close() {
    proc.close();
  }
}
