package network.notifi.sluice.loadtest.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * A 6-node Redis Cluster (3 masters, 3 replicas) of {@code redis-server} processes from the PATH on
 * free loopback ports, with nothing persisted. Never touches 127.0.0.1:6379.
 */
final class RedisCluster implements AutoCloseable {
  private final List<Proc> nodes = new ArrayList<>();
  private final List<Integer> ports = new ArrayList<>();

  static RedisCluster start(Path dir, Log log) throws Exception {
    RedisCluster c = new RedisCluster();
    try {
      c.startNodes(dir, log);
      return c;
    } catch (Exception e) {
      c.close();
      throw e;
    }
  }

  private void startNodes(Path dir, Log log) throws Exception {
    Path d = Files.createDirectories(dir.resolve("redis"));
    for (int i = 0; i < 6; i++) {
      int port = Proc.freePort(true);
      ports.add(port);
      nodes.add(Proc.start("redis-" + port, List.of("redis-server", "--port", Integer.toString(port),
              "--bind", "127.0.0.1", "--cluster-enabled", "yes",
              "--cluster-config-file", "nodes-" + port + ".conf", "--save", "", "--appendonly", "no",
              "--dir", d.toString()), Map.of(), d.resolve("redis-" + port + ".log")));
    }
    for (int port : ports) {
      Wait.until("redis-server on " + port, Duration.ofSeconds(20),
          () -> cli(port, "ping").contains("PONG"));
    }
    List<String> create = new ArrayList<>(List.of("redis-cli", "--cluster", "create"));
    ports.forEach(p -> create.add("127.0.0.1:" + p));
    create.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    Proc.run(60, create.toArray(String[]::new));
    for (int port : ports) {
      Wait.until("cluster_state:ok on " + port, Duration.ofSeconds(30),
          () -> cli(port, "cluster", "info").contains("cluster_state:ok"));
    }
    log.info("redis cluster up: " + addresses());
  }

  String addresses() {
    return ports.stream().map(p -> "127.0.0.1:" + p).collect(Collectors.joining(","));
  }

  String version() {
    try {
      return Proc.run(10, "redis-server", "--version").trim();
    } catch (Exception e) {
      return "unknown";
    }
  }

  /** Every node's port, masters and replicas. */
  List<Integer> ports() {
    return List.copyOf(ports);
  }

  /** {@code INFO all} of one node: stats, CPU and commandstats in one call. */
  String info(int port) throws Exception {
    return cli(port, "info", "all");
  }

  /** Empties every master (between scenarios, so each starts with fresh buckets). */
  void flushAll() throws Exception {
    for (int port : ports) {
      if (cli(port, "role").startsWith("master")) {
        cli(port, "flushall");
      }
    }
  }

  private static String cli(int port, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("redis-cli", "-h", "127.0.0.1", "-p", Integer.toString(port)));
    cmd.addAll(List.of(args));
    return Proc.run(10, cmd.toArray(String[]::new));
  }

  @Override
  public void close() {
    nodes.forEach(Proc::close);
  }
}
