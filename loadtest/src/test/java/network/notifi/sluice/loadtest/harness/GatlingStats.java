package network.notifi.sluice.loadtest.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The totals of a Gatling report ({@code js/global_stats.json}): count, rate and percentiles. */
record GatlingStats(long requests, long ko, double rps, long p50, long p95, long p99, long max) {
  static GatlingStats read(Path reportDir) {
    try {
      String json = Files.readString(reportDir.resolve("js/global_stats.json"));
      return new GatlingStats(total(json, "numberOfRequests"), ko(json, "numberOfRequests"),
          dbl(json, "meanNumberOfRequestsPerSecond"), total(json, "percentiles1"),
          total(json, "percentiles3"), total(json, "percentiles4"), total(json, "maxResponseTime"));
    } catch (Exception e) {
      return null;
    }
  }

  private static long total(String json, String key) {
    return (long) dbl(json, key);
  }

  private static double dbl(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\{[^}]*?\"total\"\\s*:\\s*\"?([0-9.]+)").matcher(json);
    return m.find() ? Double.parseDouble(m.group(1)) : -1;
  }

  private static long ko(String json, String key) {
    Matcher m = Pattern.compile("\"" + key + "\"\\s*:\\s*\\{[^}]*?\"ko\"\\s*:\\s*\"?([0-9.]+)").matcher(json);
    return m.find() ? (long) Double.parseDouble(m.group(1)) : -1;
  }

  @Override
  public String toString() {
    return String.format("%d requests (%d KO), %.0f req/s, p50 %d ms, p95 %d ms, p99 %d ms, max %d ms",
        requests, ko, rps, p50, p95, p99, max);
  }
}
