package network.notifi.sluice.loadtest.harness;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The seed's burst as a user would send it ({@code loadtest/run.sh burst}): replicas sharing the
 * Redis Cluster behind nginx, the seed's limits, warmed up, then {@code sluice.requests} (200) new
 * builds (distinct parsers, no third party) sent at once by one {@code curl --parallel
 * --parallel-immediate --parallel-max N} process; {@code sluice.runs} (3) times, each once the
 * global and endpoint buckets are full again and no build runs or waits.
 *
 * <p>Checked (the run fails otherwise): admitted {@code <= endpoint burst + endpoint rate x elapsed +
 * 1} (elapsed: curl's whole run, exec to exit, the widest span) and no 5xx, neither in curl's
 * answers nor in nginx's log. Reported, not checked: whether every answer came within 700 ms of the
 * first request (the goal).
 */
final class Burst {
  private static final double GOAL_MS = 700;
  private static final String WRITE_OUT = "%{http_code} %{time_starttransfer} %{time_total}\\n";

  /** One burst's figures. */
  record Run(int n, long wallMs, double spanMs, double nginxSpanMs, double p50Ms, double p99Ms, double maxMs,
      double ttfbP50Ms, double ttfbP99Ms, Map<String, Integer> statuses, double admittedBound,
      double keptEndpoint, String load) {
    int count(String prefix) {
      return statuses.entrySet().stream().filter(e -> e.getKey().startsWith(prefix)).mapToInt(Map.Entry::getValue)
          .sum();
    }

    int other() {
      return statuses.values().stream().mapToInt(Integer::intValue).sum() - count("202") - count("429");
    }
  }

  private final Harness.Options o;
  private final Log log;
  private final Path dir;
  private final PrintStream out;

  Burst(Harness.Options o, Log log, Path dir, PrintStream out) {
    this.o = o;
    this.log = log;
    this.dir = dir;
    this.out = out;
  }

  Harness.ScenarioResult run(Topology t) throws Exception {
    if (!Proc.onPath("curl")) {
      throw new IllegalStateException("curl is missing: install Debian's package curl");
    }
    int requests = Integer.parseInt(o.props.getOrDefault("sluice.requests", "200"));
    int runs = Integer.parseInt(o.props.getOrDefault("sluice.runs", "3"));
    Limits limits = Limits.SEED;
    Map<String, String> env = new LinkedHashMap<>(limits.env());
    env.putAll(Harness.jobsEnv(3));
    log.info("=== burst: " + runs + " x " + requests + " new builds at once (curl --parallel), seed limits");
    t.start(env, true);
    List<String> targets = t.nginx != null ? List.of(t.nginx.url()) : t.replicas.stream().map(Replica::url).toList();
    List<Check> checks = new ArrayList<>();
    List<Run> done = new ArrayList<>();
    for (int n = 1; n <= runs; n++) {
      if (n > 1) {
        t.awaitIdle("full buckets, no build running or queued", true);
      }
      Run r = once(t, n, requests, targets, limits);
      done.add(r);
      int fiveXx = r.count("5");
      checks.add(Check.of("run " + n + ": admitted within the endpoint bucket's bound",
          r.count("202") <= r.admittedBound() && r.keptEndpoint() <= r.admittedBound(),
          String.format("%d answered 202, replicas kept %.0f endpoint tokens; bound %.1f = %.0f + %.0f/s x %.3f s + 1",
              r.count("202"), r.keptEndpoint(), r.admittedBound(), limits.endpointBurst(), limits.endpointRps(),
              r.wallMs() / 1000.0)));
      checks.add(Check.of("run " + n + ": no 5xx", fiveXx == 0, fiveXx + " answers 5xx, statuses " + r.statuses()
          + (r.other() > 0 ? " (status 000: no answer)" : "")));
      log.info(String.format("run %d: %s in %.0f ms (max time_total), curl %d ms, p50 %.0f ms, p99 %.0f ms, %s",
          n, r.statuses(), r.spanMs(), r.wallMs(), r.p50Ms(), r.p99Ms(),
          r.maxMs() <= GOAL_MS ? "within " + (int) GOAL_MS + " ms" : "NOT within " + (int) GOAL_MS + " ms"));
    }
    List<String> table = table(done, requests, t);
    out.println();
    table.forEach(out::println);
    out.println();
    Path file = o.workDir.toAbsolutePath().getParent().resolve("burst-"
        + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".md");
    Files.write(file, table);
    checks.forEach(c -> log.info(c.toString()));
    boolean failed = checks.stream().anyMatch(c -> !c.ok());
    return new Harness.ScenarioResult("burst", failed ? "FAILED" : "PASSED", checks, null, null,
        "table in " + file);
  }

  private Run once(Topology t, int n, int requests, List<String> targets, Limits limits) throws Exception {
    String run = Long.toString(System.currentTimeMillis(), 36) + "-" + n;
    Path config = dir.resolve("burst-" + n + ".curl");
    StringBuilder c = new StringBuilder();
    for (int i = 0; i < requests; i++) {
      if (i > 0) {
        c.append("next\n");
      }
      c.append("url = \"").append(targets.get(i % targets.size())).append("/events\"\n")
          .append("header = \"Ce-Type: network.notifi.lambda.build.start\"\n")
          .append("header = \"Content-Type: application/json\"\n")
          .append("data = \"{\\\"parser_id\\\":\\\"burst-").append(run).append('-').append(i).append("\\\"}\"\n")
          .append("output = \"/dev/null\"\n")
          .append("write-out = \"").append(WRITE_OUT).append("\"\n");
    }
    Files.writeString(config, c);
    Totals before = Totals.of(t.replicas);
    long nginxLines = t.nginx == null ? 0 : t.nginx.accessLines().size();
    String load = Harness.loadAverage();
    Path answers = dir.resolve("burst-" + n + ".out");
    long t0 = System.nanoTime();
    Proc curl = Proc.start("curl burst " + n, List.of("curl", "-s", "--no-progress-meter", "--parallel",
        "--parallel-immediate", "--parallel-max", Integer.toString(requests), "-K", config.toString()), Map.of(), answers);
    try {
      if (!curl.process.waitFor(120, TimeUnit.SECONDS)) {
        throw new IllegalStateException("curl did not finish within 120 s");
      }
    } finally {
      curl.close();
    }
    long wallMs = (System.nanoTime() - t0) / 1_000_000;
    List<Double> total = new ArrayList<>();
    List<Double> ttfb = new ArrayList<>();
    Map<String, Integer> statuses = new TreeMap<>();
    for (String line : Files.readAllLines(answers)) {
      String[] f = line.trim().split(" ");
      if (f.length != 3 || !f[0].matches("\\d{3}")) {
        continue;
      }
      statuses.merge(f[0], 1, Integer::sum);
      ttfb.add(Double.parseDouble(f[1]) * 1000);
      total.add(Double.parseDouble(f[2]) * 1000);
    }
    int missing = requests - total.size();
    if (missing > 0) {
      statuses.merge("no line from curl", missing, Integer::sum);
    }
    Totals kept = Totals.of(t.replicas).minus(before);
    double nginxSpan = Double.NaN;
    if (t.nginx != null) {
      Thread.sleep(1100); // the access log is flushed every second
      nginxSpan = t.nginx.view(nginxLines).firstInToLastOutMs();
    }
    double bound = limits.endpointBurst() + limits.endpointRps() * wallMs / 1000.0 + 1;
    return new Run(n, wallMs, max(total), nginxSpan, Quantiles.nearestRank(total, 0.5), Quantiles.nearestRank(total, 0.99), max(total),
        Quantiles.nearestRank(ttfb, 0.5), Quantiles.nearestRank(ttfb, 0.99), statuses, bound, kept.admittedEndpoint(), load);
  }

  private static double max(List<Double> values) {
    return values.stream().mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
  }

  private List<String> table(List<Run> runs, int requests, Topology t) {
    List<String> l = new ArrayList<>();
    l.add("## Burst, " + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm")) + " (`loadtest/run.sh burst`)");
    l.add("");
    l.add(requests + " new builds at once (one `curl --parallel --parallel-immediate`), " + t.replicas.size()
        + " replicas on a 6-node Redis Cluster" + (t.nginx != null ? " behind nginx" : " (curl takes them in turn)")
        + ", the seed's limits (build.start 50/s burst 100, global 100/s burst 200).");
    l.add("");
    l.add("| run | load avg | all answered in ms | curl exec to exit ms | nginx first in to last out ms | p50 ms | p99 ms | "
        + "max ms | TTFB p50 / p99 ms | 202 | 429 | other | bound | within 700 ms |");
    l.add("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|");
    for (Run r : runs) {
      l.add(String.format("| %d | %s | %.0f | %d | %.0f | %.0f | %.0f | %.0f | %.0f / %.0f | %d | %d | %d | %.1f | %s |",
          r.n(), r.load(), r.spanMs(), r.wallMs(), r.nginxSpanMs(), r.p50Ms(), r.p99Ms(), r.maxMs(), r.ttfbP50Ms(),
          r.ttfbP99Ms(), r.count("202"), r.count("429"), r.other(), r.admittedBound(),
          r.maxMs() <= GOAL_MS && r.other() == 0 ? "yes" : "no"));
    }
    l.add("");
    l.add("All answered in: the slowest transfer's time_total (curl starts all transfers at once). Bound: "
        + "100 + 50/s x curl's exec-to-exit time + 1; admitted (202) must stay at or below it.");
    return l;
  }
}
