package network.notifi.sluice.loadtest.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The replicas' own latency histograms (every Prometheus {@code *_seconds_bucket} family in their
 * {@code /metrics}), summed over replicas and over every label but {@code le}; {@code
 * http_server_requests_seconds} is kept apart per {@code route}. Subtract a snapshot taken before a
 * run from one taken after it to get the run's histograms.
 */
record Histograms(Map<String, TreeMap<Double, Double>> cumulative) {

  static Histograms of(List<Metrics> scrapes) {
    Map<String, TreeMap<Double, Double>> h = new TreeMap<>();
    for (Metrics m : scrapes) {
      for (Metrics.Sample s : m.samples()) {
        if (!s.name().endsWith("_seconds_bucket") || !s.labels().containsKey("le")) {
          continue;
        }
        String family = s.name().substring(0, s.name().length() - "_bucket".length());
        String route = s.labels().get("route");
        String key = route == null ? family : family + "{route=\"" + route + "\"}";
        String le = s.labels().get("le");
        double bound = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
        h.computeIfAbsent(key, k -> new TreeMap<>()).merge(bound, s.value(), Double::sum);
      }
    }
    return new Histograms(h);
  }

  /** This snapshot less {@code before}, bucket by bucket. */
  Histograms since(Histograms before) {
    Map<String, TreeMap<Double, Double>> d = new TreeMap<>();
    cumulative.forEach((k, buckets) -> {
      TreeMap<Double, Double> b = before.cumulative.getOrDefault(k, new TreeMap<>());
      TreeMap<Double, Double> out = new TreeMap<>();
      buckets.forEach((le, v) -> out.put(le, v - b.getOrDefault(le, 0.0)));
      d.put(k, out);
    });
    return new Histograms(d);
  }

  /** The quantile in ms, or {@code > X} when it lies beyond the last finite bucket (X, its bound). */
  private String millis(String key, double q) {
    double v = quantile(key, q) * 1000;
    TreeMap<Double, Double> b = cumulative.get(key);
    var lastFinite = b.lowerEntry(Double.POSITIVE_INFINITY);
    boolean beyond = lastFinite != null && lastFinite.getValue() < q * count(key);
    return beyond ? String.format("> %.0f", v) : String.format("%.3f", v);
  }

  /** Observations in the histogram {@code key}. */
  double count(String key) {
    TreeMap<Double, Double> b = cumulative.get(key);
    return b == null || b.isEmpty() ? 0 : b.lastEntry().getValue();
  }

  /**
   * The {@code q} quantile in seconds, interpolated linearly inside its bucket as Prometheus's
   * {@code histogram_quantile} does; NaN when the histogram is empty.
   */
  double quantile(String key, double q) {
    TreeMap<Double, Double> b = cumulative.get(key);
    double total = count(key);
    if (total <= 0) {
      return Double.NaN;
    }
    double rank = q * total;
    double lower = 0;
    double below = 0;
    for (var e : b.entrySet()) {
      if (e.getValue() >= rank) {
        if (e.getKey().isInfinite()) {
          return lower; // beyond the last finite bucket: its upper bound is all we know
        }
        double inBucket = e.getValue() - below;
        return inBucket <= 0 ? e.getKey() : lower + (e.getKey() - lower) * (rank - below) / inBucket;
      }
      lower = e.getKey();
      below = e.getValue();
    }
    return lower;
  }

  /** The histograms with at least one observation. */
  List<String> nonEmpty() {
    List<String> keys = new ArrayList<>();
    cumulative.keySet().forEach(k -> {
      if (count(k) > 0) {
        keys.add(k);
      }
    });
    return keys;
  }

  /**
   * A markdown table: Gatling's send-to-answer latency, then each of the replicas' histograms with
   * observations, {@code http_server_requests_seconds} only for {@code /events}, without {@code
   * build_duration_seconds}.
   */
  List<String> table(GatlingStats gatling) {
    List<String> lines = new ArrayList<>();
    lines.add("| timer (summed over replicas) | count | p50 ms | p99 ms |");
    lines.add("|---|---:|---:|---:|");
    if (gatling != null) {
      lines.add(String.format("| Gatling, send to answer (nearest rank) | %d | %.1f | %.1f |", gatling.requests(),
          gatling.p50(), gatling.p99()));
    }
    for (String k : nonEmpty()) {
      if (k.startsWith("http_server_requests_seconds") && !k.contains("route=\"/events\"")
          || k.equals("build_duration_seconds")) {
        continue; // other routes; how long builds ran, which is not time spent answering
      }
      lines.add(String.format("| %s | %.0f | %s | %s |", k, count(k), millis(k, 0.5), millis(k, 0.99)));
    }
    return lines;
  }
}
