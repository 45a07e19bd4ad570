package network.notifi.sluice.api;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.opentelemetry.api.OpenTelemetry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import network.notifi.sluice.api.admin.AdminToken;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.api.http.Dependencies;
import network.notifi.sluice.api.limits.LimitsStore;
import network.notifi.sluice.api.limits.LocalLimitsStore;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.limiter.spi.BucketStore;

/** The dependencies of a {@link SluiceApp}, with the embedded defaults filled in. Not thread-safe. */
public final class SluiceAppBuilder {
  final SluiceConfig config;
  EpochNanoClock clock = EpochNanoClock.system();
  BucketStore bucketStore;
  BuildAdmission admission;
  final Dependencies dependencies = new Dependencies();
  PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  OpenTelemetry openTelemetry = OpenTelemetry.noop();
  String storeSystem = "in-process";
  LimitsStore limitsStore;
  AdminToken adminToken = AdminToken.fromEnvironment(Map.of());
  final List<AutoCloseable> closeables = new ArrayList<>();

  SluiceAppBuilder(SluiceConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  public SluiceAppBuilder clock(EpochNanoClock clock) {
    this.clock = Objects.requireNonNull(clock, "clock");
    return this;
  }

  /** The bucket store; the app closes it on {@link SluiceApp#close()}. */
  public SluiceAppBuilder bucketStore(BucketStore store) {
    return bucketStore(store, "custom");
  }

  /**
   * The bucket store; the app closes it on {@link SluiceApp#close()}.
   *
   * @param system what it is, for traces ({@code redis}, ...)
   */
  public SluiceAppBuilder bucketStore(BucketStore store, String system) {
    this.bucketStore = Objects.requireNonNull(store, "store");
    this.storeSystem = Objects.requireNonNull(system, "system");
    return this;
  }

  /** Build admission; the app answers build starts and {@code GET /builds/{id}} with it, and closes it. */
  public SluiceAppBuilder admission(BuildAdmission admission) {
    this.admission = Objects.requireNonNull(admission, "admission");
    return this;
  }

  /** Where the rate limits in force are kept; default this process alone ({@link LocalLimitsStore}). */
  public SluiceAppBuilder limitsStore(LimitsStore store) {
    this.limitsStore = Objects.requireNonNull(store, "store");
    return this;
  }

  /** The token admin writes need; default none, so writes are off. */
  public SluiceAppBuilder adminToken(AdminToken token) {
    this.adminToken = Objects.requireNonNull(token, "token");
    return this;
  }

  /** Tracing; the default is off ({@link OpenTelemetry#noop()}). */
  public SluiceAppBuilder openTelemetry(OpenTelemetry openTelemetry) {
    this.openTelemetry = Objects.requireNonNull(openTelemetry, "openTelemetry");
    return this;
  }

  public SluiceAppBuilder registry(PrometheusMeterRegistry registry) {
    this.registry = Objects.requireNonNull(registry, "registry");
    return this;
  }

  /** The registry the app will expose at {@code /metrics} (admin port), for backends built alongside it. */
  public PrometheusMeterRegistry registry() {
    return registry;
  }

  /**
   * A dependency whose degradation {@code GET /health/ready} and {@code GET /ratelimits} report.
   */
  public SluiceAppBuilder dependency(String name, BooleanSupplier degraded, Supplier<Map<String, Object>> details) {
    dependencies.add(name, degraded, details);
    return this;
  }

  /** Something else the app owns and closes when it stops. */
  public SluiceAppBuilder closing(AutoCloseable closeable) {
    closeables.add(Objects.requireNonNull(closeable, "closeable"));
    return this;
  }

  public SluiceApp build() {
    if (bucketStore == null) {
      bucketStore = InProcessBucketStore.create(clock, config.rateLimiting().localMaxBuckets());
    }
    if (limitsStore == null) {
      limitsStore = new LocalLimitsStore(Clock.systemUTC());
    }
    if (admission == null) {
      admission = BuildAdmission.embedded(config.jobs().admission(), registry);
    }
    closeables.add(admission);
    closeables.add(bucketStore);
    return new SluiceApp(this);
  }
}
