package network.notifi.sluice.api.limits;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.api.config.ConfigException;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.common.DaemonThreads;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reloads the configuration file when its content changes (checked every {@code interval}; a
 * Kubernetes ConfigMap update swaps the file, which this sees too) or on {@link #reloadNow()} (what
 * SIGHUP does). The whole file is loaded and validated as at start; its rate limits are handed to
 * {@link LiveLimits}. Other settings apply on restart: a change to them is logged, not applied. An
 * invalid file changes nothing and is logged. Thread-safe.
 */
public final class ConfigFileReload implements AutoCloseable {

  private static final Logger LOG = LoggerFactory.getLogger(ConfigFileReload.class);

  private final Path file;
  private final Map<String, String> env;
  private final LiveLimits limits;
  private final SluiceConfig started;
  private final ScheduledExecutorService watcher;
  private byte[] lastContent;

  private ConfigFileReload(Path file, Map<String, String> env, LiveLimits limits, SluiceConfig started) {
    this.file = Objects.requireNonNull(file, "file");
    this.env = Map.copyOf(env);
    this.limits = Objects.requireNonNull(limits, "limits");
    this.started = Objects.requireNonNull(started, "started");
    this.lastContent = read().orElse(null);
    this.watcher = Executors.newSingleThreadScheduledExecutor(DaemonThreads.named("sluice-config-watch"));
  }

  /**
   * Watches {@code file}, which the running {@code started} configuration was loaded from with
   * {@code env}.
   */
  public static ConfigFileReload start(
      Path file, Map<String, String> env, LiveLimits limits, SluiceConfig started, Duration interval) {
    var reload = new ConfigFileReload(file, env, limits, started);
    long millis = interval.toMillis();
    reload.watcher.scheduleWithFixedDelay(reload::reloadIfChanged, millis, millis, TimeUnit.MILLISECONDS);
    return reload;
  }

  /** Loads the file now, changed or not; the future completes when its limits are in force. */
  public CompletableFuture<LimitsInForce> reloadNow() {
    synchronized (this) {
      lastContent = read().orElse(lastContent);
    }
    SluiceConfig reloaded;
    try {
      reloaded = ConfigLoader.load(Optional.of(file), env);
    } catch (ConfigException e) {
      LOG.error("configuration file {} is not valid, nothing changed: {}", file, e.getMessage());
      return CompletableFuture.failedFuture(e);
    }
    var sameLimits = new SluiceConfig(reloaded.server(), started.limiter(), reloaded.rateLimiting(),
        reloaded.logging(), reloaded.jobs(), reloaded.redis(), reloaded.identity());
    if (!sameLimits.equals(started)) {
      LOG.warn("configuration file {} changed settings other than the rate limits; they apply on restart", file);
    }
    LOG.info("configuration file {} reloaded", file);
    return limits.reloadFile(reloaded.limiter());
  }

  private void reloadIfChanged() {
    Optional<byte[]> content = read();
    boolean changed;
    synchronized (this) {
      changed = content.isPresent() && !Arrays.equals(content.get(), lastContent);
    }
    if (changed) {
      reloadNow().exceptionally(failure -> null);
    }
  }

  private Optional<byte[]> read() {
    try {
      return Optional.of(Files.readAllBytes(file));
    } catch (IOException e) {
      // Mid-swap or removed: the next check sees the new file.
      return Optional.empty();
    }
  }

  @Override
  public void close() {
    watcher.shutdownNow();
  }
}
