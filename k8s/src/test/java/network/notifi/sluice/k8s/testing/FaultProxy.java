package network.notifi.sluice.k8s.testing;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An HTTP proxy on a free loopback port in front of the test API server that can misbehave on
 * purpose: answer 500 or 503, answer slowly, or drop the connection, for a set time span. Used to
 * test retries, the circuit breaker and timeouts over real HTTP. Thread-safe.
 */
public final class FaultProxy implements AutoCloseable {

  /** What the proxy does with each request. */
  public enum Mode {
    PASS(0), ERROR_500(500), ERROR_503(503), ERROR_429(429), ERROR_400(400),
    /** 403 with the API server's "exceeded quota" message. */
    QUOTA_403(403),
    SLOW(0), DROP(0),
    /** Passes the request on at once but answers only after the delay: the call times out after it took effect. */
    LATE(0);

    final int status;

    Mode(int status) {
      this.status = status;
    }
  }

  private static final Set<String> HOP = Set.of("connection", "content-length", "host", "upgrade",
      "expect", "keep-alive", "transfer-encoding", "te", "trailer", "proxy-connection");

  private final HttpServer server;
  private final ExecutorService executor = Executors.newCachedThreadPool();
  private final HttpClient upstream = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final String target;
  private final AtomicLong requests = new AtomicLong();
  private final AtomicLong faulted = new AtomicLong();
  private volatile Mode mode = Mode.PASS;
  private volatile Instant until = Instant.MAX;
  private volatile Duration slowBy = Duration.ofSeconds(2);
  private volatile Mode[] phases;
  private volatile Duration phaseLength;
  private volatile Instant phasesStart;
  private volatile String onlyMethod;

  public FaultProxy(String targetBaseUrl) throws IOException {
    this.target = targetBaseUrl;
    this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 256);
    server.createContext("/", this::handle);
    server.setExecutor(executor);
    server.start();
  }

  public String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Misbehaves as {@code mode} for {@code span}, then passes again. */
  public void fault(Mode mode, Duration span) {
    this.phases = null;
    this.until = Instant.now().plus(span);
    this.mode = mode;
  }

  /** Misbehaves as each of {@code modes} in turn for {@code each}, then passes again. */
  public void faultInTurn(Duration each, Mode... modes) {
    this.phases = modes.clone();
    this.phaseLength = each;
    this.phasesStart = Instant.now();
    this.until = phasesStart.plus(each.multipliedBy(modes.length));
    this.mode = modes[0];
  }

  /** Misbehaves as {@code mode} until told otherwise. */
  public void fault(Mode mode) {
    this.phases = null;
    this.until = Instant.MAX;
    this.mode = mode;
  }

  public void pass() {
    this.phases = null;
    this.mode = Mode.PASS;
  }

  /** Faults only requests of this HTTP method (e.g. {@code POST}: creates); null for all. */
  public void onlyFor(String method) {
    this.onlyMethod = method;
  }

  /** How long {@link Mode#SLOW} and {@link Mode#LATE} delay each answer. */
  public void slowBy(Duration delay) {
    this.slowBy = delay;
  }

  public long requests() {
    return requests.get();
  }

  public long faulted() {
    return faulted.get();
  }

  private Mode current() {
    Mode[] turns = phases;
    if (turns != null) {
      long index = Duration.between(phasesStart, Instant.now()).toMillis() / Math.max(1, phaseLength.toMillis());
      mode = index < turns.length ? turns[(int) index] : Mode.PASS;
    }
    Mode m = mode;
    if (m != Mode.PASS && Instant.now().isAfter(until)) {
      mode = Mode.PASS;
      return Mode.PASS;
    }
    return m;
  }

  private void handle(HttpExchange exchange) throws IOException {
    requests.incrementAndGet();
    byte[] body;
    try (InputStream in = exchange.getRequestBody()) {
      body = in.readAllBytes();
    }
    String method = onlyMethod;
    Mode m = method == null || method.equalsIgnoreCase(exchange.getRequestMethod()) ? current() : Mode.PASS;
    if (m != Mode.PASS) {
      faulted.incrementAndGet();
    }
    switch (m) {
      case ERROR_500, ERROR_503, ERROR_429, ERROR_400, QUOTA_403 -> {
        int code = m.status;
        String message = m == Mode.QUOTA_403
            ? "jobs.batch \\\"x\\\" is forbidden: exceeded quota: sluice-builds, requested: count/jobs.batch=1"
            : "injected " + code;
        byte[] status = ("{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\",\"message\":\""
            + message + "\",\"code\":" + code + "}").getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, status.length);
        try (OutputStream out = exchange.getResponseBody()) {
          out.write(status);
        }
        return;
      }
      case DROP -> {
        // No status line at all: the client sees the connection end mid-exchange.
        exchange.close();
        return;
      }
      case SLOW -> {
        if (!pause(exchange, slowBy)) {
          return;
        }
      }
      case LATE -> {
        forward(exchange, body, slowBy);
        return;
      }
      default -> { }
    }
    forward(exchange, body, Duration.ZERO);
  }

  private void forward(HttpExchange exchange, byte[] body, Duration answerAfter) throws IOException {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(target + exchange.getRequestURI()))
        .method(exchange.getRequestMethod(),
            body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
    exchange.getRequestHeaders().forEach((name, values) -> {
      if (!HOP.contains(name.toLowerCase(Locale.ROOT))) {
        values.forEach(v -> request.header(name, v));
      }
    });
    HttpResponse<byte[]> response;
    try {
      response = upstream.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exchange.close();
      return;
    }
    if (!answerAfter.isZero() && !pause(exchange, answerAfter)) {
      return;
    }
    response.headers().map().forEach((name, values) -> {
      if (!HOP.contains(name.toLowerCase(Locale.ROOT)) && !name.startsWith(":")) {
        exchange.getResponseHeaders().put(name, values);
      }
    });
    byte[] answer = response.body();
    exchange.sendResponseHeaders(response.statusCode(), answer.length == 0 ? -1 : answer.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(answer);
    }
  }

  /** Waits {@code delay}; false (the exchange closed) if interrupted meanwhile. */
  private static boolean pause(HttpExchange exchange, Duration delay) {
    try {
      Thread.sleep(delay.toMillis());
      return true;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      exchange.close();
      return false;
    }
  }

  @Override
  public void close() {
    server.stop(0);
    executor.shutdownNow();
  }
}
