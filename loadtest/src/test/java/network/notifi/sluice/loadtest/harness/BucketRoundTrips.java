package network.notifi.sluice.loadtest.harness;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The Redis work of the replicas' bucket operations over a run, per level, summed over replicas:
 * reads (GET), compare-and-swap scripts, swaps lost to another writer, and reads answered from a
 * replica's memory without a command. Read from {@code rate_limit_redis_commands}, {@code
 * rate_limit_redis_cas_conflicts} and {@code rate_limit_remembered_reads}.
 */
record BucketRoundTrips(Map<String, long[]> perLevel) {

  private static final String[] FAMILIES = {"get", "cas", "conflicts", "remembered"};

  static BucketRoundTrips between(List<Metrics> before, List<Metrics> after) {
    Map<String, long[]> d = new TreeMap<>();
    add(d, after, 1);
    add(d, before, -1);
    d.values().removeIf(v -> v[0] == 0 && v[1] == 0 && v[2] == 0 && v[3] == 0);
    return new BucketRoundTrips(d);
  }

  private static void add(Map<String, long[]> d, List<Metrics> scrapes, int sign) {
    for (Metrics m : scrapes) {
      for (Metrics.Sample s : m.samples()) {
        int i = switch (s.name()) {
          case "rate_limit_redis_commands_total" -> "get".equals(s.labels().get("command")) ? 0 : 1;
          case "rate_limit_redis_cas_conflicts_total" -> 2;
          case "rate_limit_remembered_reads_total" -> 3;
          default -> -1;
        };
        String level = s.labels().get("limit_type");
        if (i >= 0 && level != null) {
          d.computeIfAbsent(level, k -> new long[FAMILIES.length])[i] += sign * Math.round(s.value());
        }
      }
    }
  }

  /** One line: per level, GETs, swaps, swaps lost and reads from memory. */
  String line() {
    StringBuilder b = new StringBuilder("Redis bucket operations over the run, all replicas (get / cas / cas lost / read from memory):");
    if (perLevel.isEmpty()) {
      return b.append(" none").toString();
    }
    perLevel.forEach((level, v) -> b.append(String.format(" %s %d / %d / %d / %d;", level, v[0], v[1], v[2], v[3])));
    return b.substring(0, b.length() - 1);
  }
}
