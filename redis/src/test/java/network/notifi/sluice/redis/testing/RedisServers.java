package network.notifi.sluice.redis.testing;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Real Redis servers for tests, started on free loopback ports once per JVM and stopped when the JVM
 * exits (a shutdown hook kills every process this class started and deletes their directories, also
 * when tests fail).
 *
 * <ul>
 *   <li>{@link #standalone()}: one shared standalone server;
 *   <li>{@link #cluster()}: one shared cluster of 3 masters and 3 replicas;
 *   <li>{@link #newStandalone()}: a server of the caller's own, to stop and start at will (degraded
 *       mode tests); still killed at JVM exit.
 * </ul>
 *
 * <p>{@code redis-server} and {@code redis-cli} come from the PATH (Debian packages {@code
 * redis-server} and {@code redis-tools}); without {@code redis-server} the binary shipped in {@code
 * com.github.codemonstur:embedded-redis} is used, and without {@code redis-cli} the cluster is joined
 * with CLUSTER ADDSLOTS / MEET / REPLICATE. {@code -Dsluice.test.redis.server=embedded} and {@code
 * -Dsluice.test.redis.cli=none} force these fallbacks. Port 6379 (the machine's own Redis) is never used.
 *
 * <p>Tests share the servers, so they must use keys of their own and never flush.
 */
public final class RedisServers {

  private static final Object LOCK = new Object();
  private static final List<RedisServer> STARTED = new ArrayList<>();
  private static Path root;
  private static Path binary;
  private static RedisServer standalone;
  private static RedisCluster cluster;

  private RedisServers() {}

  /** The shared standalone server, started on first use. */
  public static RedisServer standalone() {
    synchronized (LOCK) {
      if (standalone == null) {
        standalone = newStandalone();
      }
      return standalone;
    }
  }

  /** The shared cluster, started on first use. */
  public static RedisCluster cluster() {
    synchronized (LOCK) {
      if (cluster == null) {
        List<Integer> ports = new ArrayList<>();
        while (ports.size() < 6) {
          int port = freeClusterPort();
          if (!ports.contains(port)) {
            ports.add(port);
          }
        }
        cluster = RedisCluster.start(binary(), cli(), root().resolve("cluster"), ports);
        STARTED.addAll(cluster.nodes());
      }
      return cluster;
    }
  }

  /** A standalone server of the caller's own, running; killed at JVM exit at the latest. */
  public static RedisServer newStandalone() {
    return newStandalone(List.of());
  }

  /**
   * A standalone server of the caller's own that takes {@code DEBUG SLEEP}, to stall Redis on purpose
   * (Redis 7 refuses DEBUG unless started with {@code --enable-debug-command}; 6 has no such option).
   */
  public static RedisServer newStandaloneWithDebug() {
    String version = versionOf(binary());
    return newStandalone(version.startsWith("6.") ? List.of() : List.of("--enable-debug-command", "yes"));
  }

  private static RedisServer newStandalone(List<String> args) {
    synchronized (LOCK) {
      int port = freePort();
      var server = new RedisServer(binary(), port, root().resolve("standalone-" + port), args);
      STARTED.add(server);
      return server.start();
    }
  }

  /** The version {@code redis-server --version} prints ({@code v=7.0.15} gives {@code 7.0.15}). */
  private static String versionOf(Path binary) {
    try {
      Process p = new ProcessBuilder(binary.toString(), "--version").redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      p.waitFor();
      var m = Pattern.compile("v=([0-9.]+)").matcher(out);
      return m.find() ? m.group(1) : "";
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run " + binary + " --version", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while asking " + binary + " for its version", e);
    }
  }

  /** The {@code redis-server} binary in use: from the PATH, else extracted from embedded-redis. */
  public static Path binary() {
    synchronized (LOCK) {
      if (binary == null) {
        boolean forceEmbedded = "embedded".equals(System.getProperty("sluice.test.redis.server"));
        binary = (forceEmbedded ? Optional.<Path>empty() : onPath("redis-server"))
            .orElseGet(RedisServers::extractEmbedded);
        System.out.println("Redis test servers use " + binary + (cli().isPresent() ? " and " + cli().get()
            : " (cluster joined without redis-cli)"));
      }
      return binary;
    }
  }

  private static Optional<Path> cli() {
    if ("none".equals(System.getProperty("sluice.test.redis.cli"))) {
      return Optional.empty();
    }
    return onPath("redis-cli");
  }

  private static Optional<Path> onPath(String name) {
    String path = System.getenv().getOrDefault("PATH", "");
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, name);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  private static Path extractEmbedded() {
    String os = System.getProperty("os.name").toLowerCase(Locale.ROOT);
    String arch = System.getProperty("os.arch");
    if (!os.contains("linux") || !(arch.equals("amd64") || arch.equals("x86_64"))) {
      throw new IllegalStateException("no redis-server on the PATH and no embedded binary for "
          + os + "/" + arch + ": install the Debian package redis-server (and redis-tools)");
    }
    String resource = "/redis-server-6.2.6-v5-linux-amd64";
    try (InputStream in = RedisServers.class.getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("no redis-server on the PATH and " + resource
            + " not on the classpath (com.github.codemonstur:embedded-redis): install the Debian"
            + " package redis-server (and redis-tools)");
      }
      Path target = root().resolve("bin/redis-server");
      Files.createDirectories(target.getParent());
      Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
      if (!target.toFile().setExecutable(true)) {
        throw new IllegalStateException("cannot make " + target + " executable");
      }
      return target;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Path root() {
    if (root == null) {
      try {
        root = Files.createTempDirectory("sluice-redis-test-");
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      Runtime.getRuntime().addShutdownHook(new Thread(RedisServers::stopAll, "redis-servers-stop"));
    }
    return root;
  }

  private static void stopAll() {
    synchronized (LOCK) {
      STARTED.forEach(RedisServer::kill);
      if (root != null) {
        try (Stream<Path> files = Files.walk(root)) {
          files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
          // Best effort at exit: a leftover temp directory is harmless.
        }
      }
    }
  }

  /** A free port other than 6379. */
  private static int freePort() {
    while (true) {
      try (var socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
        int port = socket.getLocalPort();
        if (port != 6379) {
          return port;
        }
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A free port whose cluster bus port (port + 10000) is free too. */
  private static int freeClusterPort() {
    while (true) {
      int port = ThreadLocalRandom.current().nextInt(20_000, 30_000);
      if (isFree(port) && isFree(port + 10_000)) {
        return port;
      }
    }
  }

  private static boolean isFree(int port) {
    try (var socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
