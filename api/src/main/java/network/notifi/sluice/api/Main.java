package network.notifi.sluice.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.config.ConfigException;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.config.SluiceConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code java -jar sluice.jar [--config PATH]}: runs the service. Without a file and without Redis it
 * runs on the embedded default (in-process buckets), one replica.
 */
public final class Main {

  static final int EXIT_CONFIG = 2;
  static final int EXIT_USAGE = 64;

  private Main() {}

  public static void main(String[] args) {
    System.exit(run(args, System.getenv()));
  }

  /** Runs until the JVM is asked to stop; returns an exit code only when it cannot start. */
  static int run(String[] args, Map<String, String> env) {
    Optional<Path> configFile;
    try {
      configFile = configFile(args, env);
    } catch (IllegalArgumentException e) {
      System.err.println("sluice: " + e.getMessage());
      System.err.println("usage: java -jar sluice.jar [--config PATH]");
      return EXIT_USAGE;
    }
    SluiceConfig config;
    try {
      config = ConfigLoader.load(configFile, env);
    } catch (ConfigException e) {
      System.err.println("sluice: invalid configuration: " + e.getMessage());
      return EXIT_CONFIG;
    }
    Logger log = LoggerFactory.getLogger(Main.class);
    SluiceApp app = Wiring.build(config, env).start();
    Runtime.getRuntime().addShutdownHook(new Thread(app::close, "sluice-shutdown"));
    log.info("sluice listening on {}:{}", config.server().host(), app.port());
    try {
      Thread.currentThread().join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return 0;
  }

  static Optional<Path> configFile(String[] args, Map<String, String> env) {
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config")) {
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("--config needs a path");
        }
        return Optional.of(Path.of(args[i + 1]));
      } else if (args[i].startsWith("--config=")) {
        return Optional.of(Path.of(args[i].substring("--config=".length())));
      } else {
        throw new IllegalArgumentException("unknown argument " + args[i]);
      }
    }
    return Optional.ofNullable(env.get("SLUICE_CONFIG")).filter(s -> !s.isBlank()).map(Path::of);
  }
}
