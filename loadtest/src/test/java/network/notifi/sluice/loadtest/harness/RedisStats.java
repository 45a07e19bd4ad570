package network.notifi.sluice.loadtest.harness;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a Redis Cluster's nodes have done so far, from one {@code INFO all} per node: commands
 * processed and read events on client sockets (masters only: a replica's count is the replication
 * stream), CPU (every node) and the calls and time per command (masters). Subtract two snapshots to
 * get what happened in between.
 *
 * <p>Redis counts the commands a Lua script runs as commands too, in {@code total_commands_processed}
 * and in commandstats (an EVALSHA of Bucket4j's compare-and-swap also shows as a GET and a PSETEX).
 * {@code total_reads_processed} counts read events instead: about one per round trip, or per
 * pipelined batch.
 */
record RedisStats(long commands, long reads, double cpuSeconds, Map<String, Long> calls, Map<String, Long> micros,
    int masters) {

  static RedisStats of(RedisCluster cluster) throws Exception {
    long commands = 0;
    long reads = 0;
    double cpu = 0;
    Map<String, Long> calls = new TreeMap<>();
    Map<String, Long> micros = new TreeMap<>();
    int masters = 0;
    for (int port : cluster.ports()) {
      Map<String, String> info = parse(cluster.info(port));
      cpu += Double.parseDouble(info.getOrDefault("used_cpu_sys", "0"))
          + Double.parseDouble(info.getOrDefault("used_cpu_user", "0"));
      if (!"master".equals(info.get("role"))) {
        continue;
      }
      masters++;
      commands += Long.parseLong(info.getOrDefault("total_commands_processed", "0"));
      reads += Long.parseLong(info.getOrDefault("total_reads_processed", "0"));
      for (var e : info.entrySet()) {
        if (e.getKey().startsWith("cmdstat_")) {
          String cmd = e.getKey().substring("cmdstat_".length());
          Map<String, String> f = fields(e.getValue());
          calls.merge(cmd, Long.parseLong(f.getOrDefault("calls", "0")), Long::sum);
          micros.merge(cmd, Long.parseLong(f.getOrDefault("usec", "0")), Long::sum);
        }
      }
    }
    return new RedisStats(commands, reads, cpu, calls, micros, masters);
  }

  /**
   * What happened since {@code before}, less the harness's own {@code INFO} on each master: one
   * command (the one that took {@code before}: Redis counts a command once it has run) and two read
   * events ({@code before}'s connection closing, this snapshot's command).
   */
  RedisStats since(RedisStats before) {
    Map<String, Long> c = new TreeMap<>();
    Map<String, Long> u = new TreeMap<>();
    calls.forEach((k, v) -> {
      long d = v - before.calls.getOrDefault(k, 0L) - (k.equals("info") ? masters : 0);
      if (d > 0) {
        c.put(k, d);
        u.put(k, micros.getOrDefault(k, 0L) - before.micros.getOrDefault(k, 0L));
      }
    });
    return new RedisStats(commands - before.commands - masters, reads - before.reads - 2L * masters,
        cpuSeconds - before.cpuSeconds, c, u, masters);
  }

  /**
   * {@code evalsha 1.02 (31 µs), get 0.31 (2 µs), ..., 9 others 0.004}: calls per request, busiest
   * first, with Redis's time per call; commands under 0.005 per request are summed as others.
   */
  String perRequest(long requests) {
    List<String> parts = new ArrayList<>();
    long others = 0;
    int otherKinds = 0;
    for (var e : calls.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue(), x.getValue())).toList()) {
      double perRequest = e.getValue() / (double) requests;
      if (perRequest < 0.005) {
        others += e.getValue();
        otherKinds++;
      } else {
        parts.add(String.format("%s %.3f (%.0f µs)", e.getKey(), perRequest,
            micros.getOrDefault(e.getKey(), 0L) / (double) e.getValue()));
      }
    }
    if (otherKinds > 0) {
      parts.add(String.format("%d others %.3f", otherKinds, others / (double) requests));
    }
    return parts.isEmpty() ? "(no commands)" : String.join(", ", parts);
  }

  private static Map<String, String> parse(String info) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String line : info.split("\r?\n")) {
      int colon = line.indexOf(':');
      if (colon > 0 && !line.startsWith("#")) {
        m.put(line.substring(0, colon), line.substring(colon + 1).trim());
      }
    }
    return m;
  }

  private static Map<String, String> fields(String value) {
    Map<String, String> m = new LinkedHashMap<>();
    for (String kv : value.split(",")) {
      int eq = kv.indexOf('=');
      if (eq > 0) {
        m.put(kv.substring(0, eq), kv.substring(eq + 1));
      }
    }
    return m;
  }
}
