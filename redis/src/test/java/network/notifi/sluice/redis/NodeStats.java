package network.notifi.sluice.redis;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.ToDoubleFunction;
import java.util.function.ToLongFunction;
import java.util.stream.IntStream;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.Resp;

/**
 * One Redis node's counters at one moment, from one {@code INFO all}: calls and microseconds per
 * command ({@code INFO commandstats}, which also counts the commands a script runs), CPU seconds
 * ({@code INFO cpu}, all threads and the main thread), {@code used_memory}, keys and connected
 * clients. {@link #minus} gives the change between two snapshots. For benchmarks.
 */
record NodeStats(
    int port, Map<String, long[]> commands, double cpu, double cpuMain, long usedMemory, long keys, long clients) {

  /** A snapshot of the node on {@code port}. */
  static NodeStats of(int port) {
    Map<String, long[]> commands = new HashMap<>();
    Map<String, String> fields = new HashMap<>();
    for (String line : Resp.string(port, "INFO", "all").split("\r?\n")) {
      int colon = line.indexOf(':');
      if (line.startsWith("#") || colon < 0) {
        continue;
      }
      String name = line.substring(0, colon);
      String value = line.substring(colon + 1).trim();
      if (name.startsWith("cmdstat_")) {
        commands.put(name.substring("cmdstat_".length()), new long[] {number(value, "calls"), number(value, "usec")});
      } else {
        fields.put(name, value);
      }
    }
    double cpu = parse(fields, "used_cpu_sys") + parse(fields, "used_cpu_user");
    double main = fields.containsKey("used_cpu_sys_main_thread")
        ? parse(fields, "used_cpu_sys_main_thread") + parse(fields, "used_cpu_user_main_thread")
        : cpu;
    long keys = fields.containsKey("db0") ? number(fields.get("db0"), "keys") : 0;
    return new NodeStats(port, commands, cpu, main, (long) parse(fields, "used_memory"), keys,
        (long) parse(fields, "connected_clients"));
  }

  /** Snapshots of every node in {@code nodes}, in order. */
  static List<NodeStats> of(List<RedisServer> nodes) {
    return nodes.stream().map(n -> of(n.port())).toList();
  }

  /** What changed from {@code before} to this snapshot (memory, keys and clients as differences too). */
  NodeStats minus(NodeStats before) {
    Map<String, long[]> diff = new HashMap<>();
    commands.forEach((name, now) -> {
      long[] then = before.commands.getOrDefault(name, new long[2]);
      if (now[0] != then[0]) {
        diff.put(name, new long[] {now[0] - then[0], now[1] - then[1]});
      }
    });
    return new NodeStats(port, diff, cpu - before.cpu, cpuMain - before.cpuMain, usedMemory - before.usedMemory,
        keys - before.keys, clients - before.clients);
  }

  /** Element-wise {@link #minus} of two lists of snapshots of the same nodes. */
  static List<NodeStats> minus(List<NodeStats> after, List<NodeStats> before) {
    return IntStream.range(0, after.size()).mapToObj(i -> after.get(i).minus(before.get(i))).toList();
  }

  long calls(String command) {
    return commands.getOrDefault(command, new long[2])[0];
  }

  long usec(String command) {
    return commands.getOrDefault(command, new long[2])[1];
  }

  /** Calls of every command but the ones the benchmark itself sends to read the counters. */
  long allCalls() {
    return commands.entrySet().stream()
        .filter(e -> !e.getKey().equals("info") && !e.getKey().equals("dbsize"))
        .mapToLong(e -> e.getValue()[0])
        .sum();
  }

  static long sum(List<NodeStats> nodes, ToLongFunction<NodeStats> f) {
    return nodes.stream().mapToLong(f).sum();
  }

  static double sumDouble(List<NodeStats> nodes, ToDoubleFunction<NodeStats> f) {
    return nodes.stream().mapToDouble(f).sum();
  }

  private static double parse(Map<String, String> fields, String name) {
    String v = fields.get(name);
    return v == null ? 0 : Double.parseDouble(v);
  }

  /** {@code key=value} out of {@code a=1,b=2}. */
  private static long number(String list, String key) {
    for (String part : list.split(",")) {
      int eq = part.indexOf('=');
      if (eq > 0 && part.substring(0, eq).equals(key)) {
        return (long) Double.parseDouble(part.substring(eq + 1));
      }
    }
    return 0;
  }
}
