package network.notifi.sluice.loadtest.harness;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The servers of one run: an optional Redis Cluster (kept for the whole run, flushed between
 * scenarios), N replicas and an optional nginx in front (both started fresh for every scenario).
 */
final class Topology implements AutoCloseable {

  /** Real build starts each replica serves before the first measurement, to warm its JIT up. */
  private static final int WARM_UP_BUILD_STARTS = 150;
  final boolean cluster;
  final int replicaCount;
  final boolean balancer;
  private final Nginx.Balance balance;
  private final Path jar;
  private final Path dir;
  private final Log log;
  private RedisCluster redis;
  final List<Replica> replicas = new ArrayList<>();
  Nginx nginx;
  private int generation;
  private Map<String, String> currentEnv;

  Topology(boolean cluster, int replicaCount, boolean balancer, Nginx.Balance balance, Path jar, Path dir, Log log) {
    this.cluster = cluster;
    this.replicaCount = replicaCount;
    this.balancer = balancer;
    this.balance = balance;
    this.jar = jar;
    this.dir = dir;
    this.log = log;
  }

  /**
   * Starts the replicas and nginx with {@code env} on an empty Redis. If they already run with this
   * very environment they are kept, once idle: no build queued (nor running, with {@code
   * slotsFree}), and the global and endpoint buckets refilled to their burst.
   */
  void start(Map<String, String> env, boolean slotsFree) throws Exception {
    if (env.equals(currentEnv) && replicas.stream().allMatch(r -> r.proc.alive())) {
      log.info("reusing the replicas: waiting until they are idle and their buckets full");
      awaitIdle("idle replicas with full buckets", slotsFree);
      return;
    }
    stopReplicas();
    if (cluster) {
      if (redis == null) {
        log.info("starting a 6-node Redis Cluster");
        redis = RedisCluster.start(dir, log);
      } else {
        redis.flushAll();
      }
    }
    generation++;
    Map<String, String> all = new java.util.HashMap<>(env);
    if (cluster) {
      onCluster(all, redis);
    }
    log.info("starting " + replicaCount + " replica(s)" + (cluster ? " on the cluster" : " (in-process buckets)"));
    for (int i = 1; i <= replicaCount; i++) {
      replicas.add(Replica.start(jar, "replica-" + i + "-g" + generation, all, dir));
    }
    for (Replica r : replicas) {
      r.awaitReady(Duration.ofSeconds(90));
    }
    for (Replica r : replicas) {
      r.warmUp(300);
    }
    if (replicas.get(0).hasJobs()) {
      for (Replica r : replicas) {
        r.warmUpBuildStarts(WARM_UP_BUILD_STARTS);
      }
      awaitIdle("idle replicas with full buckets after the warm-up", true);
    }
    log.info("replicas ready and warmed up: " + replicas.stream().map(Replica::url).toList());
    if (balancer) {
      nginx = Nginx.start(dir.resolve("g" + generation), replicas, balance, log);
    }
    currentEnv = Map.copyOf(env);
  }

  /**
   * Waits (up to 2 minutes) until every replica is {@link Replica#idle}: no build queued (nor
   * running, with {@code slotsFree}), the global and endpoint buckets full.
   */
  void awaitIdle(String what, boolean slotsFree) throws Exception {
    Wait.until(what, Duration.ofSeconds(120), () -> {
      for (Replica r : replicas) {
        if (!r.idle(slotsFree)) {
          return false;
        }
      }
      return true;
    });
  }

  /** Adds to a replica's environment what puts it on {@code redis}, keeping timeouts already set. */
  static void onCluster(Map<String, String> env, RedisCluster redis) {
    env.put("SLUICE_REDIS_MODE", "cluster");
    env.put("SLUICE_REDIS_ADDRESSES", redis.addresses());
    // Load generator, nginx, three replicas and six Redis nodes share this machine's cores: the
    // production timeouts (250 ms / 500 ms) would measure CPU starvation, not Sluice.
    env.putIfAbsent("SLUICE_REDIS_COMMAND_TIMEOUT", "2s");
    env.putIfAbsent("SLUICE_REDIS_DECISION_TIMEOUT", "3s");
  }

  /**
   * Where the simulation sends its traffic: nginx when there is one, else every replica (Gatling's
   * virtual users take them in turn).
   */
  String target() {
    return nginx != null ? nginx.url() : String.join(",", replicas.stream().map(Replica::url).toList());
  }

  /** The Redis Cluster, for fault injection; null without one. */
  RedisCluster redis() {
    return redis;
  }

  String redisVersion() {
    return redis == null ? null : redis.version();
  }

  private void stopReplicas() {
    currentEnv = null;
    if (nginx != null) {
      nginx.close();
      nginx = null;
    }
    replicas.forEach(Replica::close);
    replicas.clear();
  }

  @Override
  public void close() {
    stopReplicas();
    if (redis != null) {
      redis.close();
      redis = null;
    }
  }
}
