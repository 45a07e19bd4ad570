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
  private final List<List<String>> commands = new ArrayList<>();
  private Path dataDir;

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
    dataDir = d;
    for (int i = 0; i < 6; i++) {
      int port = Proc.freePort(true);
      ports.add(port);
      List<String> command = List.of("redis-server", "--port", Integer.toString(port),
          "--bind", "127.0.0.1", "--cluster-enabled", "yes",
          "--cluster-config-file", "nodes-" + port + ".conf", "--save", "", "--appendonly", "no",
          "--dir", d.toString());
      commands.add(command);
      nodes.add(Proc.start("redis-" + port, command, Map.of(), d.resolve("redis-" + port + ".log")));
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

  /** The port of the master that serves {@code key}'s hash slot, as a running node sees it. */
  int masterOf(String key) throws Exception {
    int asked = livePort();
    int slot = Integer.parseInt(cli(asked, "cluster", "keyslot", key).trim());
    for (String line : cli(asked, "cluster", "nodes").split("\n")) {
      String[] f = line.trim().split(" ");
      if (f.length < 9 || !f[2].contains("master") || f[2].contains("fail")) {
        continue;
      }
      for (int i = 8; i < f.length; i++) {
        String[] range = f[i].split("-");
        if (range[0].startsWith("[")) {
          continue;
        }
        int from = Integer.parseInt(range[0]);
        int to = range.length > 1 ? Integer.parseInt(range[1]) : from;
        if (slot >= from && slot <= to) {
          return Integer.parseInt(f[1].substring(f[1].indexOf(':') + 1, f[1].indexOf('@')));
        }
      }
    }
    throw new IllegalStateException("no master serves slot " + slot + " of " + key);
  }

  /** SIGKILLs the node on {@code port}, as a crash would; its replica takes over after the node timeout. */
  void kill(int port) throws Exception {
    Proc node = nodes.get(ports.indexOf(port));
    node.process.destroyForcibly().waitFor();
  }

  /** A node that runs. */
  private int livePort() {
    for (int i = 0; i < ports.size(); i++) {
      if (nodes.get(i).alive()) {
        return ports.get(i);
      }
    }
    throw new IllegalStateException("no Redis node runs");
  }

  /**
   * Waits until a node other than {@code killedPort} serves {@code key}'s slot: the killed master's
   * replica was promoted (after the cluster's node timeout, 15 s by default, and an election).
   */
  void awaitFailover(String key, int killedPort, Duration timeout) throws Exception {
    Wait.until("a replica serving " + key + " in place of " + killedPort, timeout, () -> masterOf(key) != killedPort);
  }

  /**
   * Starts the node on {@code port} again with its cluster config: it rejoins as a replica if it was
   * failed over ({@link #awaitFailover}); else it comes back as the master of its slots, empty.
   */
  void restart(int port) throws Exception {
    int i = ports.indexOf(port);
    nodes.set(i, Proc.start("redis-" + port, commands.get(i), Map.of(), dataDir.resolve("redis-" + port + "-2.log")));
    Wait.until("redis-server on " + port + " again", Duration.ofSeconds(20), () -> cli(port, "ping").contains("PONG"));
  }

  /** Stops every node (SIGSTOP): Redis is unreachable, connections stay open, nothing is lost. */
  void freezeAll() throws Exception {
    for (Proc node : nodes) {
      Proc.run(5, "kill", "-STOP", Long.toString(node.process.pid()));
    }
  }

  /** Lets every stopped node go on (SIGCONT). */
  void thawAll() throws Exception {
    for (Proc node : nodes) {
      Proc.run(5, "kill", "-CONT", Long.toString(node.process.pid()));
    }
  }

  /** Waits until every node that runs says {@code cluster_state:ok}. */
  void awaitOk(Duration timeout) throws Exception {
    for (int i = 0; i < ports.size(); i++) {
      int port = ports.get(i);
      if (nodes.get(i).alive()) {
        Wait.until("cluster_state:ok on " + port, timeout, () -> cli(port, "cluster", "info").contains("cluster_state:ok"));
      }
    }
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
