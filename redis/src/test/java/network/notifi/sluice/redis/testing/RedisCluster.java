package network.notifi.sluice.redis.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;

/**
 * A Redis Cluster of real {@code redis-server} processes on loopback: 3 masters and 3 replicas, all
 * 16384 slots covered. Nodes can be killed and restarted for failover tests; {@link #awaitHealthy()}
 * waits until the cluster is whole again. Thread-safe.
 */
public final class RedisCluster {

  /** How long a node may be unreachable before the cluster fails it over; short for tests. */
  static final int NODE_TIMEOUT_MILLIS = 1_000;

  private final List<RedisServer> nodes;

  private RedisCluster(List<RedisServer> nodes) {
    this.nodes = List.copyOf(nodes);
  }

  /** Starts 6 nodes and joins them, with {@code redis-cli --cluster create} when it is available. */
  static RedisCluster start(Path binary, Optional<Path> cli, Path root, List<Integer> ports) {
    List<RedisServer> nodes = new ArrayList<>();
    for (int port : ports) {
      nodes.add(new RedisServer(binary, port, root.resolve("node-" + port), List.of(
          "--cluster-enabled", "yes",
          "--cluster-config-file", "nodes-" + port + ".conf",
          "--cluster-node-timeout", Integer.toString(NODE_TIMEOUT_MILLIS))));
    }
    var cluster = new RedisCluster(nodes);
    nodes.forEach(RedisServer::start);
    if (cli.isPresent()) {
      cluster.createWithCli(cli.get());
    } else {
      cluster.createByHand();
    }
    cluster.awaitHealthy();
    return cluster;
  }

  public List<RedisServer> nodes() {
    return nodes;
  }

  /** {@code host:port} of every node, as {@code redis.addresses} wants them. */
  public List<String> addresses() {
    return nodes.stream().map(RedisServer::hostAndPort).collect(Collectors.toList());
  }

  /** {@code redis://host:port} of every node, as Redisson wants them. */
  public List<String> uris() {
    return nodes.stream().map(RedisServer::uri).collect(Collectors.toList());
  }

  /** The nodes that are masters now, as a live node sees it. */
  public List<RedisServer> masters() {
    return nodesWithRole("master");
  }

  public List<RedisServer> replicas() {
    return nodesWithRole("slave");
  }

  /** The master that serves {@code key}'s slot now. */
  public RedisServer masterFor(String key) {
    long slot = (Long) Resp.call(anyLive().port(), "CLUSTER", "KEYSLOT", key);
    for (String line : clusterNodes()) {
      String[] f = line.split(" ");
      if (!f[2].contains("master") || f[2].contains("fail")) {
        continue;
      }
      for (int i = 8; i < f.length; i++) {
        String[] range = f[i].split("-");
        if (range[0].startsWith("[")) {
          continue;
        }
        long from = Long.parseLong(range[0]);
        long to = range.length > 1 ? Long.parseLong(range[1]) : from;
        if (slot >= from && slot <= to) {
          return byAddress(f[1]);
        }
      }
    }
    throw new IllegalStateException("no master serves slot " + slot);
  }

  /**
   * Waits until every node runs, every node says {@code cluster_state:ok}, every node sees all slots
   * covered, and there are 3 masters each with a replica whose link is up.
   */
  public void awaitHealthy() {
    awaitTrue(Duration.ofSeconds(60), "a healthy cluster", () -> {
      for (RedisServer node : nodes) {
        if (!node.isRunning() || !Resp.pings(node.port())) {
          return false;
        }
        String info = Resp.string(node.port(), "CLUSTER", "INFO");
        if (!info.contains("cluster_state:ok") || !info.contains("cluster_slots_ok:16384")) {
          return false;
        }
        String knownNodes = info.lines().filter(l -> l.startsWith("cluster_known_nodes:")).findFirst().orElse("");
        if (!knownNodes.trim().equals("cluster_known_nodes:" + nodes.size())) {
          return false;
        }
      }
      List<RedisServer> replicas = replicas();
      if (masters().size() != 3 || replicas.size() != 3) {
        return false;
      }
      for (RedisServer replica : replicas) {
        if (!Resp.string(replica.port(), "INFO", "replication").contains("master_link_status:up")) {
          return false;
        }
      }
      return true;
    });
  }

  /**
   * Waits until {@code condition} holds; fails naming {@code what} after {@code timeout}. A node that
   * is starting or failing over may refuse connections, so an exception means "ask again".
   */
  private static void awaitTrue(Duration timeout, String what, Callable<Boolean> condition) {
    await(what)
        .atMost(timeout)
        .pollInSameThread()
        .pollDelay(Duration.ZERO)
        .pollInterval(Duration.ofMillis(50))
        .ignoreExceptions()
        .until(condition);
  }

  void stop() {
    nodes.forEach(RedisServer::kill);
  }

  private void createWithCli(Path cli) {
    List<String> cmd = new ArrayList<>(List.of(cli.toString(), "--cluster", "create"));
    cmd.addAll(addresses());
    cmd.addAll(List.of("--cluster-replicas", "1", "--cluster-yes"));
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (p.waitFor() != 0) {
        throw new IllegalStateException("redis-cli --cluster create failed: " + out);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** What {@code redis-cli --cluster create --cluster-replicas 1} does, for machines without it. */
  private void createByHand() {
    int masters = nodes.size() / 2;
    int slotsPerMaster = 16384 / masters;
    for (int m = 0; m < masters; m++) {
      int from = m * slotsPerMaster;
      int to = m == masters - 1 ? 16383 : from + slotsPerMaster - 1;
      List<String> args = new ArrayList<>(List.of("CLUSTER", "ADDSLOTS"));
      for (int s = from; s <= to; s++) {
        args.add(Integer.toString(s));
      }
      Resp.call(nodes.get(m).port(), args.toArray(String[]::new));
      Resp.call(nodes.get(m).port(), "CLUSTER", "SET-CONFIG-EPOCH", Integer.toString(m + 1));
    }
    int first = nodes.get(0).port();
    for (RedisServer node : nodes.subList(1, nodes.size())) {
      Resp.call(first, "CLUSTER", "MEET", "127.0.0.1", Integer.toString(node.port()));
    }
    awaitTrue(Duration.ofSeconds(30), "every node to know every other", () -> nodes.stream()
        .allMatch(n -> Resp.string(n.port(), "CLUSTER", "NODES").lines().count() == nodes.size()));
    for (int r = masters; r < nodes.size(); r++) {
      String masterId = Resp.string(nodes.get(r - masters).port(), "CLUSTER", "MYID");
      Resp.call(nodes.get(r).port(), "CLUSTER", "REPLICATE", masterId);
    }
  }

  private List<RedisServer> nodesWithRole(String role) {
    List<RedisServer> result = new ArrayList<>();
    for (String line : clusterNodes()) {
      String[] f = line.split(" ");
      if (f[2].contains(role) && !f[2].contains("fail") && f[7].equals("connected")) {
        result.add(byAddress(f[1]));
      }
    }
    return result;
  }

  private List<String> clusterNodes() {
    return Resp.string(anyLive().port(), "CLUSTER", "NODES").lines().collect(Collectors.toList());
  }

  private RedisServer anyLive() {
    return nodes.stream()
        .filter(n -> n.isRunning() && Resp.pings(n.port()))
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no cluster node is running"));
  }

  private RedisServer byAddress(String field) {
    // "127.0.0.1:30001@40001" (the part after @ is the bus port)
    int port = Integer.parseInt(field.substring(field.indexOf(':') + 1, field.indexOf('@')));
    return nodes.stream()
        .filter(n -> n.port() == port)
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("unknown node " + field));
  }
}
