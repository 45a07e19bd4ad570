package network.notifi.sluice.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.Javalin;
import io.javalin.util.JavalinBindException;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import network.notifi.sluice.api.admin.AdminRoutes;
import network.notifi.sluice.api.admin.BuildInfo;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.api.http.AdmissionStarter;
import network.notifi.sluice.api.http.Authenticator;
import network.notifi.sluice.api.http.HttpMetrics;
import network.notifi.sluice.api.http.OpenApiDocument;
import network.notifi.sluice.api.http.Ports;
import network.notifi.sluice.api.http.ProblemErrorHandler;
import network.notifi.sluice.api.http.RefusalLog;
import network.notifi.sluice.api.http.Responses;
import network.notifi.sluice.api.http.Routes;
import network.notifi.sluice.api.identity.ApiKeys;
import network.notifi.sluice.api.identity.ApiKeysFile;
import network.notifi.sluice.api.identity.IdentityMode;
import network.notifi.sluice.api.limits.LiveLimits;
import network.notifi.sluice.api.tracing.Tracing;
import network.notifi.sluice.api.tracing.TracingBucketStore;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.spi.BucketStore;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.handler.GracefulHandler;
import org.slf4j.LoggerFactory;

/**
 * The Sluice service, built from its dependencies: a {@link BucketStore}, {@link BuildAdmission}, a
 * clock and a metrics registry. {@link #builder} defaults each to the embedded default (in-process
 * buckets and job stores, local-process builds, system clock); {@link Wiring} builds it from
 * configuration.
 *
 * <p>Not thread-safe to start and stop concurrently; serving requests is.
 */
public final class SluiceApp implements AutoCloseable {

  /** How long a stop waits for requests in flight to be answered. */
  static final int IN_FLIGHT_SECONDS = 10;

  private static final Duration IN_FLIGHT_TIMEOUT = Duration.ofSeconds(IN_FLIGHT_SECONDS);

  /** How often the shared rate limits are read: every replica applies a change within a second. */
  static final Duration LIMITS_POLL_INTERVAL = Duration.ofMillis(500);

  private final SluiceConfig config;
  private final Javalin javalin;
  private final PrometheusMeterRegistry registry;
  private final List<AutoCloseable> closeables;
  private final RefusalLog refusals;
  private final ScheduledExecutorService housekeeping;
  private final LiveLimits limits;
  private volatile boolean stopping;
  private ServerConnector publicConnector;
  private ServerConnector adminConnector;

  SluiceApp(SluiceAppBuilder b) {
    this.config = b.config;
    this.registry = b.registry;
    this.closeables = List.copyOf(b.closeables);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmGcMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);

    var tracer = Tracing.tracer(b.openTelemetry);
    var store = new TracingBucketStore(b.bucketStore, tracer, b.storeSystem);
    var limiter = MultiLevelLimiter.of(config.limiter(), store, registry);
    var logging = config.logging();
    this.refusals =
        new RefusalLog(
            new RefusalLog.Settings(
                logging.refusalLinesPerKind(), logging.refusalLinesPerWindow(), logging.refusalWindow()),
            System::nanoTime,
            registry);
    this.housekeeping = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-housekeeping"));
    long flushMillis = logging.refusalWindow().toMillis();
    housekeeping.scheduleAtFixedRate(refusals::flush, flushMillis, flushMillis, TimeUnit.MILLISECONDS);
    var json = new ObjectMapper().findAndRegisterModules();
    var responses = new Responses(json, refusals);
    var build = BuildInfo.current();
    build.register(registry);
    this.limits = new LiveLimits(limiter, b.limitsStore, registry, LIMITS_POLL_INTERVAL);
    var admin = new AdminRoutes(build, limits, b.adminToken, json);
    var openApi = OpenApiDocument.load(build.version());
    var httpMetrics = new HttpMetrics(registry);
    var identity = config.identity();
    var ports = new Ports(this::adminPort);
    var routes =
        new Routes(
            config, limiter, b.clock, new AdmissionStarter(b.admission, identity.mode() == IdentityMode.API_KEY),
            responses, registry, tracer, b.admission, b.dependencies, ports,
            new Authenticator(identity.mode(), apiKeys(identity, config.jobs().admission()), registry));
    this.javalin =
        Javalin.create(cfg -> {
          cfg.startup.showJavalinBanner = false;
          cfg.http.maxRequestSize = config.server().maxBodyBytes();
          cfg.http.prefer405over404 = true;
          cfg.jetty.addConnector((server, http) -> {
            publicConnector = connector(server, http, config.server().port());
            // Only the public port is capped, so that monitoring reaches the admin port under a flood.
            server.addBean(new NetworkConnectionLimit(config.server().limits().maxConnections(), publicConnector));
            return publicConnector;
          });
          cfg.jetty.addConnector((server, http) -> {
            adminConnector = connector(server, http, config.server().adminPort());
            return adminConnector;
          });
          cfg.jetty.modifyServer(server -> server.setErrorHandler(new ProblemErrorHandler()));
          cfg.requestLogger.http(httpMetrics::record);
          // A stop answers the requests in flight (up to IN_FLIGHT_TIMEOUT) after it stops accepting.
          cfg.jetty.modifyServer(server -> {
            server.insertHandler(new GracefulHandler());
            server.setStopTimeout(IN_FLIGHT_TIMEOUT.toMillis());
          });
          cfg.routes.before("/health/ready", ctx -> {
            if (stopping) {
              ctx.status(503).json(Map.of("status", "STOPPING"));
              ctx.skipRemainingHandlers();
            }
          });
          routes.register(cfg);
          openApi.register(cfg, ports);
          admin.register(cfg, ports);
        });
  }

  /** The keys in force: inline ones as configured, a file's as last read (checked for changes every second). */
  private Supplier<ApiKeys> apiKeys(SluiceConfig.Identity identity, JobsConfig jobs) {
    if (identity.apiKeysFile().isEmpty()) {
      ApiKeys inline = identity.apiKeys();
      return () -> inline;
    }
    ApiKeysFile file = ApiKeysFile.load(identity.apiKeysFile().get(), jobs::isConfigured);
    housekeeping.scheduleWithFixedDelay(file::reloadIfChanged, 1, 1, TimeUnit.SECONDS);
    return file::keys;
  }

  /**
   * A connector with the server's limits. Jetty's default accept queue of 50 drops new connections in
   * a burst (their SYNs are lost and retried a second later), hence {@code server.accept_queue_size}.
   */
  private ServerConnector connector(Server server, HttpConfiguration http, int port) {
    var limits = config.server().limits();
    http.setRequestHeaderSize(limits.maxHeaderBytes());
    http.setSendServerVersion(false);
    var connector = new ServerConnector(server, new HttpConnectionFactory(http));
    connector.setHost(config.server().host());
    connector.setPort(port);
    connector.setAcceptQueueSize(limits.acceptQueueSize());
    connector.setIdleTimeout(limits.idleTimeout().toMillis());
    return connector;
  }

  public static SluiceAppBuilder builder(SluiceConfig config) {
    return new SluiceAppBuilder(config);
  }

  /**
   * Starts listening and following the shared rate limits; returns once both ports are bound.
   *
   * @throws PortInUseException when a port is taken (the app is closed then)
   */
  public SluiceApp start() {
    limits.start();
    try {
      javalin.start();
    } catch (JavalinBindException e) {
      close();
      var server = config.server();
      throw new PortInUseException(e.getMessage() + " (server.port " + server.port() + ", server.admin_port "
          + server.adminPort() + "; set SLUICE_PORT or SLUICE_SERVER_ADMIN_PORT, 0 picks a free one)");
    }
    return this;
  }

  /** A port the app should listen on is taken by another process. */
  public static final class PortInUseException extends IllegalStateException {
    PortInUseException(String message) {
      super(message);
    }
  }

  /** The rate limits in force, and how to change them (a reloaded configuration file). */
  public LiveLimits limits() {
    return limits;
  }

  /** The public port actually bound (useful with port 0). */
  public int port() {
    return publicConnector.getLocalPort();
  }

  /** The admin port actually bound ({@code /metrics}, {@code /ratelimits}); -1 before the app starts. */
  public int adminPort() {
    return adminConnector == null ? -1 : adminConnector.getLocalPort();
  }

  public SluiceConfig config() {
    return config;
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /** Stops at once: {@link #shutdown} without the unready period. */
  @Override
  public void close() {
    shutdown(Duration.ZERO);
  }

  /**
   * Shuts down without losing work (SIGTERM): {@code GET /health/ready} answers 503 first, for
   * {@code unreadyFor}, so that load balancers stop sending requests while they are still served;
   * then the ports stop accepting and the requests in flight are answered (up to {@value
   * #IN_FLIGHT_SECONDS} s); then build admission closes (queue claims handed back, builds left to
   * another replica: see {@link BuildAdmission#close()}), then the stores and clients.
   */
  public void shutdown(Duration unreadyFor) {
    stopping = true;
    if (!unreadyFor.isZero()) {
      try {
        Thread.sleep(unreadyFor.toMillis());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    javalin.stop();
    limits.close();
    housekeeping.shutdownNow();
    refusals.flushNow();
    // Reverse order of registration: what was built on something closes before it.
    for (int i = closeables.size() - 1; i >= 0; i--) {
      AutoCloseable closeable = closeables.get(i);
      try {
        closeable.close();
      } catch (Exception e) {
        LoggerFactory.getLogger(SluiceApp.class).warn("closing {} failed", closeable, e);
      }
    }
    registry.close();
  }
}
