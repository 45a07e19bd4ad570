package network.notifi.sluice.loadtest.harness;

/**
 * The totals of one simulation from its outcomes ({@code Tally}): answers, unexpected ones, rate over
 * the run (first request sent to last answer) and latency percentiles (send to answer, as Gatling
 * measures it, nearest rank).
 */
record GatlingStats(long requests, long ko, double rps, double p50, double p95, double p99, double max) {
  static GatlingStats from(Outcomes o) {
    long n = o.count("");
    double span = o.span();
    return new GatlingStats(n, o.ko(), span > 0 ? n / span : 0, o.latency("p50Ms"), o.latency("p95Ms"),
        o.latency("p99Ms"), o.latency("maxMs"));
  }

  @Override
  public String toString() {
    return String.format("%d requests (%d KO), %.0f req/s, p50 %.1f ms, p95 %.1f ms, p99 %.1f ms, max %.0f ms",
        requests, ko, rps, p50, p95, p99, max);
  }
}
