package network.notifi.sluice.api;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.config.ConfigException;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.api.limits.ConfigFileReload;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar sluice.jar [--config PATH]}: runs the service. Without a file and without Redis it
 * runs on the embedded default (in-process buckets), one replica. The file's rate limits are reloaded
 * when it changes or on SIGHUP.
 *
 * <p>{@code java -jar sluice.jar buckets [--pattern GLOB] [--config PATH]}: lists the token buckets in
 * Redis with their tokens, capacity and TTL, decoded through Bucket4j.
 */
public final class Main {

  /**
   * On SIGTERM, how long {@code GET /health/ready} answers 503 while requests are still served, so
   * that load balancers and Kubernetes endpoints stop sending before the port closes.
   */
  static final Duration UNREADY_BEFORE_STOP = Duration.ofSeconds(5);

  static final int EXIT_CONFIG = 2;
  static final int EXIT_USAGE = 64;

  /** How often the configuration file is checked for a change (SIGHUP reloads it at once). */
  static final Duration CONFIG_WATCH_INTERVAL = Duration.ofSeconds(2);

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv()));
  }

  /** Runs until the JVM is asked to stop; returns an exit code only when it cannot start. */
  static int run(String[] args, Map<String, String> env) {
    boolean buckets = args.length > 0 && args[0].equals("buckets");
    if (buckets) {
      // Before the first logger exists: the table owns stdout, logs go to stderr.
      System.setProperty("sluice.log.target", "System.err");
    }
    Optional<Path> configFile;
    Optional<String> pattern = Optional.empty();
    try {
      var options = options(buckets ? Arrays.copyOfRange(args, 1, args.length) : args, buckets);
      configFile = Optional.ofNullable(options.get("--config")).map(Path::of)
          .or(() -> Optional.ofNullable(env.get("SLUICE_CONFIG")).filter(s -> !s.isBlank()).map(Path::of));
      pattern = Optional.ofNullable(options.get("--pattern"));
    } catch (IllegalArgumentException e) {
      System.err.println("sluice: " + e.getMessage());
      System.err.println("usage: java -jar sluice.jar [--config PATH]");
      System.err.println("       java -jar sluice.jar buckets [--pattern GLOB] [--config PATH]");
      return EXIT_USAGE;
    }
    SluiceConfig config;
    try {
      config = ConfigLoader.load(configFile, env);
    } catch (ConfigException e) {
      System.err.println("sluice: invalid configuration: " + e.getMessage());
      return EXIT_CONFIG;
    }
    if (buckets) {
      return BucketsCommand.list(config, pattern, System.out, System.err);
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    SluiceApp app;
    try {
      app = Wiring.build(config, env).start();
    } catch (SluiceApp.PortInUseException e) {
      System.err.println("sluice: cannot listen: " + e.getMessage());
      return EXIT_CONFIG;
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      log.info("stopping: unready for {}, then finishing requests in flight and handing work back", UNREADY_BEFORE_STOP);
      app.shutdown(UNREADY_BEFORE_STOP);
      log.info("stopped");
    }, "sluice-shutdown"));
    if (configFile.isPresent()) {
      var reload = ConfigFileReload.start(configFile.get(), env, app.limits(), config, CONFIG_WATCH_INTERVAL);
      Hangup.onSignal(reload::reloadNow);
    } else {
      Hangup.onSignal(() -> log.info("SIGHUP: no configuration file to reload"));
    }
    log.info("sluice listening on {}:{}, admin port {}", config.server().host(), app.port(), app.adminPort());
    try {
      Thread.currentThread().join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  /** {@code --name value} or {@code --name=value} pairs; {@code --pattern} only for {@code buckets}. */
  static Map<String, String> options(String[] args, boolean buckets) {
    Map<String, String> options = new HashMap<>();
    for (int i = 0; i < args.length; i++) {
      String arg = args[i];
      String name = arg.contains("=") ? arg.substring(0, arg.indexOf('=')) : arg;
      boolean known = name.equals("--config") || (buckets && name.equals("--pattern"));
      if (!known) {
        throw new IllegalArgumentException("unknown argument " + arg);
      }
      if (arg.contains("=")) {
        options.put(name, arg.substring(arg.indexOf('=') + 1));
      } else if (i + 1 < args.length) {
        options.put(name, args[++i]);
      } else {
        throw new IllegalArgumentException(name + " needs a value");
      }
    }
    return options;
  }
}
