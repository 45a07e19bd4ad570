package network.notifi.sluice.loadtest.harness;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;

/**
 * The side-by-side ratio benchmark ({@code loadtest/run.sh bench}): what a decision costs next to a
 * bare endpoint, each row measured with {@code wrk} on one replica directly (no balancer), in one
 * run. Rows, in the order they are measured:
 *
 * <ol>
 *   <li>bare {@code GET /health/live} on the Redis Cluster replica (the baseline);
 *   <li>{@code build.start} through three levels on the Redis Cluster, all admitted (roomy limits,
 *       1,000 third parties in turn, one {@code slow-} parser: the first start launches a build, the
 *       rest are answered 200 as duplicates), same replica;
 *   <li>with {@code --ab-jvm-opts} or {@code --ab-jar}: rows 1 and 2 again on a second cluster
 *       replica with those JVM options added or running that jar (its share is of its own bare rate);
 *   <li>one flooding third party refused at the first level (third-party limit 1/s burst 1, global
 *       and endpoint roomy) on a second cluster replica, started for this row;
 *   <li>the in-process limiter, three levels admitted, on a replica with no Redis, started for this row;
 *   <li>bare again on the first replica: the share of bare is of the mean of rows 1 and 6.
 * </ol>
 *
 * <p>Before each row the same load runs until the replica's JIT settles (fewer than {@value
 * JvmCounters#SETTLED_COMPILES} methods compiled in {@value JvmCounters#POLL_SECONDS} s, at least
 * 15 s, at most 90 s). Over each measured window: wrk's rate and latency, the replica JVM's CPU
 * ({@code /proc/PID/stat}), its system calls and context switches ({@code perf stat}, when it works),
 * the Redis masters' commands and every node's CPU ({@code INFO}), and the replica's own count of
 * answers by status.
 */
final class Bench implements AutoCloseable {
  private static final int THIRD_PARTIES = 1000;

  /** What a row's answers must be for its figures to mean what the row says. */
  enum Expect { BARE, ADMITTED, REFUSED_THIRD_PARTY }

  /** One measured row; {@code wrk} is null when it could not be measured. */
  record Row(String label, String replica, boolean bSide, Wrk.Result wrk, double cpuMs, PerfStat.Counts perf,
      RedisStats redis, double warmUpSeconds, List<Long> warmUpCompiles, long compilesInWindow,
      Map<String, Double> statuses, Map<String, Double> refusedBy, Map<String, Double> neighbourCpuMs,
      AdmissionCalls admissionCalls, Check check) {
    double perRequest(double v) {
      return v / wrk.requests();
    }
  }

  /** The Redis admission calls of a row's window, from the replica's {@code jobs_admission_starts_per_call}. */
  record AdmissionCalls(double calls, double starts) {
    static final AdmissionCalls NONE = new AdmissionCalls(0, 0);

    static AdmissionCalls between(Metrics before, Metrics after) {
      String name = "jobs_admission_starts_per_call";
      return new AdmissionCalls(after.sum(name + "_count", l -> true) - before.sum(name + "_count", l -> true),
          after.sum(name + "_sum", l -> true) - before.sum(name + "_sum", l -> true));
    }

    @Override
    public String toString() {
      return calls == 0
          ? "no admission call"
          : String.format("%,.0f admission calls for %,.0f starts, %.1f starts per call",
              calls, starts, starts / calls);
    }
  }

  private final Harness.Options o;
  private final Log log;
  private final Path dir;
  private final PrintStream out;
  private final List<AutoCloseable> started = Collections.synchronizedList(new ArrayList<>());
  private final List<Replica> running = new ArrayList<>();
  private final String tag = Long.toString(System.currentTimeMillis(), 36);
  private final int duration;
  private final int warmMax;
  private final int warmMin;
  private final int connections;
  private RedisCluster redis;
  private String perfUnavailable;

  Bench(Harness.Options o, Log log, Path dir, PrintStream out) {
    this.o = o;
    this.log = log;
    this.dir = dir;
    this.out = out;
    this.duration = Integer.parseInt(o.props.getOrDefault("sluice.duration", o.shortForm ? "5" : "20"));
    this.warmMax = Integer.parseInt(o.props.getOrDefault("sluice.warmUpMax", o.shortForm ? "10" : "90"));
    this.warmMin = Math.min(15, warmMax);
    this.connections = Integer.parseInt(o.props.getOrDefault("sluice.connections", "32"));
  }

  List<Harness.ScenarioResult> run() throws Exception {
    if (!Proc.onPath("wrk")) {
      throw new IllegalStateException("wrk is missing: install Debian's package wrk (apt-get install -y wrk)");
    }
    String loadStart = Harness.loadAverage();
    String startedAt = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss"));
    perfUnavailable = o.perf ? PerfStat.unavailable() : "perf switched off (--no-perf)";
    boolean shared = Harness.jarHasRedis(o.jar) && Proc.onPath("redis-server");
    log.info("=== bench: wrk -t" + Wrk.THREADS + " -c" + connections + " -d" + duration + "s per row, JIT warm-up "
        + warmMin + " to " + warmMax + " s; load average " + loadStart
        + (perfUnavailable == null ? "" : "; " + perfUnavailable + ": no syscall columns")
        + (shared ? "" : "; no Redis Cluster rows (" + (Proc.onPath("redis-server")
            ? "the jar has no Redis backend" : "redis-server missing: Debian package redis-server") + ")"));
    String parser = "slow-bench-" + tag;
    Wrk.Load bare = Wrk.Load.live();
    Wrk.Load admitted = Wrk.Load.events("bench-tp-", THIRD_PARTIES, parser);
    Wrk.Load flood = Wrk.Load.events("bench-flood", 0, parser);
    List<Row> rows = new ArrayList<>();
    Replica base;
    if (shared) {
      log.info("starting a 6-node Redis Cluster");
      redis = RedisCluster.start(dir, log);
      started.add(redis);
      base = replica("bench-cluster", Limits.UNLIMITED, true, List.of());
    } else {
      base = replica("bench-local", Limits.UNLIMITED, false, List.of());
    }
    rows.add(measure("bare, start", base, false, bare, Expect.BARE));
    if (shared) {
      rows.add(measure("Redis Cluster, 3 levels admitted", base, false, admitted, Expect.ADMITTED));
      if (hasBSide()) {
        Replica b = bSide("bench-cluster-b", Limits.UNLIMITED);
        rows.add(measure("bare [B]", b, true, bare, Expect.BARE));
        rows.add(measure("Redis Cluster, 3 levels admitted [B]", b, true, admitted, Expect.ADMITTED));
        stop(b);
      }
      Replica f = replica("bench-cluster-flood", Limits.FLOOD, true, List.of());
      rows.add(measure("Redis Cluster, refused at level 1 (third party)", f, false, flood,
          Expect.REFUSED_THIRD_PARTY));
      stop(f);
      if (hasBSide()) {
        Replica fb = bSide("bench-cluster-flood-b", Limits.FLOOD);
        rows.add(measure("Redis Cluster, refused at level 1 (third party) [B]", fb, true, flood,
            Expect.REFUSED_THIRD_PARTY));
        stop(fb);
      }
      Replica l = replica("bench-local", Limits.UNLIMITED, false, List.of());
      rows.add(measure("in-process limiter, 3 levels admitted", l, false, admitted, Expect.ADMITTED));
      stop(l);
    } else {
      rows.add(measure("in-process limiter, 3 levels admitted", base, false, admitted, Expect.ADMITTED));
    }
    rows.add(measure("bare, end", base, false, bare, Expect.BARE));
    String loadEnd = Harness.loadAverage();

    List<String> report = report(rows, startedAt, loadStart, loadEnd);
    out.println();
    report.forEach(out::println);
    out.println();
    Path target = o.workDir.toAbsolutePath().getParent();
    Path file = target.resolve("bench-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
        + ".md");
    List<String> all = new ArrayList<>(report);
    all.addAll(raw(rows));
    Files.write(file, all);
    log.info("table and raw numbers: " + file);
    List<Check> checks = rows.stream().map(Row::check).toList();
    boolean failed = checks.stream().anyMatch(c -> !c.ok());
    return List.of(new Harness.ScenarioResult("bench", failed ? "FAILED" : "PASSED", checks, null, null,
        "table and raw numbers in " + file));
  }

  /** Whether the cluster rows are measured again on a [B] replica ({@code --ab-jar}, {@code --ab-jvm-opts}, {@code --ab-env}). */
  private boolean hasBSide() {
    return !o.abJvmOptions.isEmpty() || o.abJar != null || !o.abEnv.isEmpty();
  }

  /** A [B] replica on the cluster: the [B] jar (else the same one) with the [B] JVM options and environment. */
  private Replica bSide(String name, Limits limits) throws Exception {
    return replica(name, limits, true, o.abJvmOptions, o.abJar == null ? o.jar : o.abJar, o.abEnv);
  }

  private Replica replica(String name, Limits limits, boolean onCluster, List<String> moreJvmOptions)
      throws Exception {
    return replica(name, limits, onCluster, moreJvmOptions, o.jar, Map.of());
  }

  private Replica replica(String name, Limits limits, boolean onCluster, List<String> moreJvmOptions, Path jar,
      Map<String, String> moreEnv) throws Exception {
    Map<String, String> env = new LinkedHashMap<>(limits.env());
    env.putAll(Harness.jobsEnv(3600));
    env.putAll(moreEnv);
    if (onCluster) {
      Topology.onCluster(env, redis);
    }
    Replica r = Replica.start(jar, name, env, dir, moreJvmOptions);
    started.add(r);
    r.awaitReady(Duration.ofSeconds(90));
    running.add(r);
    log.info(name + " ready on " + r.url() + " (pid " + r.pid() + (onCluster ? ", Redis Cluster" : ", in-process stores")
        + (moreJvmOptions.isEmpty() ? "" : ", extra JVM options " + moreJvmOptions) + ")");
    return r;
  }

  private void stop(Replica r) {
    running.remove(r);
    started.remove(r);
    r.close();
  }

  private Row measure(String label, Replica r, boolean bSide, Wrk.Load load, Expect expect) {
    String slug = label.toLowerCase().replaceAll("[^a-z0-9]+", "-").replaceAll("(^-|-$)", "");
    List<Long> polls = new ArrayList<>();
    try {
      log.info("--- " + label + " on " + r.name() + ": warming up (load average " + Harness.loadAverage() + ")");
      double warm = warmUp(r, load, slug, polls);
      log.info("warm-up " + String.format("%.0f", warm) + " s, methods compiled per " + JvmCounters.POLL_SECONDS
          + " s: " + polls);
      Thread.sleep(1000); // the warm-up's last answers leave the replica
      Metrics m0 = r.metrics();
      RedisStats s0 = redis == null ? null : RedisStats.of(redis);
      long c0 = JvmCounters.read(r.pid(), JvmCounters.COMPILES);
      Map<String, Double> n0 = neighbourCpu(r);
      double cpu0 = ProcCpu.millis(r.pid());
      Proc perf = perfUnavailable == null ? PerfStat.start(r.pid(), duration, dir.resolve(slug + ".perf.txt")) : null;
      Proc w = Wrk.start(dir, slug, r.url(), load, connections, duration, tag);
      double cpuMs;
      Map<String, Double> neighbours = new TreeMap<>();
      try {
        if (!w.process.waitFor(duration + 60L, TimeUnit.SECONDS)) {
          throw new IllegalStateException("wrk did not finish within " + (duration + 60) + " s");
        }
        cpuMs = ProcCpu.millis(r.pid()) - cpu0;
        neighbourCpu(r).forEach((k, v) -> neighbours.put(k, v - n0.getOrDefault(k, 0.0)));
        if (perf != null && !perf.process.waitFor(30, TimeUnit.SECONDS)) {
          throw new IllegalStateException("perf stat did not finish");
        }
      } finally {
        w.close();
        if (perf != null) {
          perf.close();
        }
      }
      Wrk.Result res = Wrk.parse(Files.readString(w.log));
      PerfStat.Counts counts = perf == null ? null : PerfStat.parse(perf.log);
      long compiles = JvmCounters.read(r.pid(), JvmCounters.COMPILES) - c0;
      RedisStats redisDelta = redis == null ? null : RedisStats.of(redis).since(s0);
      Metrics m1 = r.metrics();
      Map<String, Double> statuses = statuses(m0, m1, load.path());
      Map<String, Double> refusedBy = new TreeMap<>();
      for (String level : List.of("third_party", "endpoint", "global")) {
        double d = m1.sum("rate_limit_rejected_total", "limit_type", level)
            - m0.sum("rate_limit_rejected_total", "limit_type", level);
        if (d > 0) {
          refusedBy.put(level, d);
        }
      }
      AdmissionCalls admissionCalls = AdmissionCalls.between(m0, m1);
      Check check = check(label, expect, res, statuses, refusedBy);
      log.info(String.format("%s: %,.0f req/s, p50 %.2f ms, p99 %.2f ms, JVM CPU %.3f ms/request, answers %s%s",
          label, res.rps(), res.p50Ms(), res.p99Ms(), cpuMs / res.requests(), statuses,
          check.ok() ? "" : " -- " + check));
      return new Row(label, r.name(), bSide, res, cpuMs, counts, redisDelta, warm, polls, compiles, statuses,
          refusedBy, neighbours, admissionCalls, check);
    } catch (Exception e) {
      log.info(label + " FAILED: " + e.getMessage());
      return new Row(label, r.name(), bSide, null, 0, null, null, 0, polls, 0, Map.of(), Map.of(), Map.of(),
          AdmissionCalls.NONE, Check.of(label + " measured", false, String.valueOf(e.getMessage())));
    }
  }

  /**
   * Runs {@code load} until the replica's JIT settles: polls its compile count every {@value
   * JvmCounters#POLL_SECONDS} s and stops once fewer than {@value JvmCounters#SETTLED_COMPILES}
   * methods were compiled in the last poll, after {@code warmMin} s at the least and {@code warmMax}
   * s at the most.
   */
  private double warmUp(Replica r, Wrk.Load load, String slug, List<Long> polls) throws Exception {
    Proc w = Wrk.start(dir, slug + ".warm-up", r.url(), load, connections, warmMax + 30, tag);
    started.add(w);
    try {
      long start = System.nanoTime();
      long previous = JvmCounters.read(r.pid(), JvmCounters.COMPILES);
      while (true) {
        Thread.sleep(JvmCounters.POLL_SECONDS * 1000L);
        if (!w.alive()) {
          throw new IllegalStateException("wrk stopped during the warm-up: " + w.tail(5));
        }
        if (!r.proc.alive()) {
          throw new IllegalStateException(r.name() + " exited during the warm-up: " + r.proc.tail(10));
        }
        long now = JvmCounters.read(r.pid(), JvmCounters.COMPILES);
        polls.add(now - previous);
        previous = now;
        double elapsed = (System.nanoTime() - start) / 1e9;
        boolean settled = polls.get(polls.size() - 1) < JvmCounters.SETTLED_COMPILES;
        if ((elapsed >= warmMin - 0.5 && settled) || elapsed >= warmMax - 0.5) {
          return elapsed;
        }
      }
    } finally {
      started.remove(w);
      w.close();
    }
  }

  private Map<String, Double> neighbourCpu(Replica measured) {
    Map<String, Double> cpu = new TreeMap<>();
    for (Replica n : running) {
      if (n != measured && n.proc.alive()) {
        try {
          cpu.put(n.name(), ProcCpu.millis(n.pid()));
        } catch (Exception e) {
          // it just exited: nothing to count
        }
      }
    }
    return cpu;
  }

  /** Answers by status over the window, as the replica counted them ({@code http_server_requests}). */
  private static Map<String, Double> statuses(Metrics before, Metrics after, String route) {
    Map<String, Double> s = new TreeMap<>();
    for (Metrics.Sample x : after.samples()) {
      if (x.name().equals("http_server_requests_seconds_count") && route.equals(x.labels().get("route"))) {
        String status = x.labels().get("status");
        double d = after.sum(x.name(), l -> route.equals(l.get("route")) && status.equals(l.get("status")))
            - before.sum(x.name(), l -> route.equals(l.get("route")) && status.equals(l.get("status")));
        if (d > 0) {
          s.put(status, d);
        }
      }
    }
    return s;
  }

  private static Check check(String label, Expect expect, Wrk.Result res, Map<String, Double> statuses,
      Map<String, Double> refusedBy) {
    double total = statuses.values().stream().mapToDouble(Double::doubleValue).sum();
    String detail = String.format("%,d requests (wrk), replica's answers by status %s, refused by level %s%s",
        res.requests(), statuses, refusedBy, res.socketErrors() == null ? "" : ", socket errors: " + res.socketErrors());
    boolean ok = switch (expect) {
      case BARE -> res.non2xx() == 0 && statuses.keySet().equals(java.util.Set.of("200"));
      case ADMITTED -> res.non2xx() == 0 && java.util.Set.of("200", "202").containsAll(statuses.keySet());
      case REFUSED_THIRD_PARTY -> total > 0 && statuses.getOrDefault("429", 0.0) >= 0.95 * total
          && refusedBy.getOrDefault("third_party", 0.0) >= 0.95 * total;
    };
    String what = switch (expect) {
      case BARE -> "every answer 200";
      case ADMITTED -> "every answer 200 or 202 (admitted)";
      case REFUSED_THIRD_PARTY -> ">= 95 % of answers 429 third_party";
    };
    return Check.of(label + ": " + what, ok, detail);
  }

  // ---- the report ----

  private List<String> report(List<Row> rows, String startedAt, String loadStart, String loadEnd) {
    boolean perf = perfUnavailable == null;
    double bare = bareMean(rows, false, r -> r.wrk().rps());
    double bareB = bareMean(rows, true, r -> r.wrk().rps());
    double bareCpu = bareMean(rows, false, r -> r.perRequest(r.cpuMs()));
    double bareCpuB = bareMean(rows, true, r -> r.perRequest(r.cpuMs()));
    List<String> l = new ArrayList<>();
    l.add("## Side by side, " + startedAt + " (`loadtest/run.sh bench`)");
    l.add("");
    l.add(String.format("wrk -t%d -c%d -d%ds --latency to one replica directly; load average %s at the start, %s at the end.",
        Wrk.THREADS, connections, duration, loadStart, loadEnd));
    l.add("");
    l.add("| row | req/s | p50 ms | p99 ms | share of bare | JVM CPU ms/req | JVM CPU share of bare |"
        + (perf ? " syscalls/req | ctx switches/req |" : "") + " Redis cmds/req | Redis reads/req | Redis CPU ms/req |"
        + " warm-up s |");
    l.add("|---|---:|---:|---:|---:|---:|---:|" + (perf ? "---:|---:|" : "") + "---:|---:|---:|---:|");
    for (Row r : tableOrder(rows)) {
      if (r.wrk() == null) {
        l.add("| " + r.label() + " | failed: " + r.check().detail().replace('|', '/') + " |");
        continue;
      }
      double base = r.bSide() ? bareB : bare;
      double baseCpu = r.bSide() ? bareCpuB : bareCpu;
      double cpu = r.perRequest(r.cpuMs());
      StringBuilder b = new StringBuilder();
      b.append(String.format("| %s | %,.0f | %.2f | %.2f | %s | %.3f | %s |", r.label(), r.wrk().rps(), r.wrk().p50Ms(),
          r.wrk().p99Ms(), base > 0 ? String.format("%.1f %%", 100 * r.wrk().rps() / base) : "-", cpu,
          baseCpu > 0 && cpu > 0 ? String.format("%.1f %%", 100 * baseCpu / cpu) : "-"));
      if (perf) {
        b.append(r.perf() == null ? " - | - |" : String.format(" %.1f | %.2f |", r.perRequest(r.perf().syscalls()),
            r.perRequest(r.perf().contextSwitches())));
      }
      boolean redisRow = r.redis() != null && !r.label().startsWith("in-process");
      b.append(redisRow ? String.format(" %.2f | %.2f | %.3f |", r.perRequest(r.redis().commands()),
          r.perRequest(r.redis().reads()), r.perRequest(r.redis().cpuSeconds() * 1000)) : " - | - | - |");
      b.append(String.format(" %.0f |", r.warmUpSeconds()));
      l.add(b.toString());
    }
    l.add("");
    l.add(String.format("Share of bare: of the mean of the two bare rows (%,.0f req/s)%s. JVM CPU: utime + stime of "
        + "the replica's java process over the window / requests; its share of bare is the bare rows' JVM CPU per "
        + "request over the row's: the share of bare the replica would reach if its JVM alone were the bound "
        + "(Redis and wrk on other cores). Redis: deltas of INFO over the window, commands "
        + "(those run inside Lua scripts included: a Bucket4j CAS EVALSHA also counts as get + psetex) and read events "
        + "on client sockets (about one per round trip or pipelined batch) on the 3 masters, CPU of all 6 nodes "
        + "(background commands of idle replicas included).",
        bare, bareB > 0 ? String.format("; [B] rows: of the [B] bare row (%,.0f req/s), JVM options %s%s%s",
            bareB, o.abJvmOptions, o.abJar == null ? "" : ", jar " + o.abJar.toAbsolutePath(),
            o.abEnv.isEmpty() ? "" : ", environment " + o.abEnv) : ""));
    if (!perf) {
      l.add("No syscall and context-switch columns: " + perfUnavailable + ".");
    }
    if (!Replica.jvmOptions.isEmpty()) {
      l.add("Every replica ran with the extra JVM options " + Replica.jvmOptions + ".");
    }
    l.add("Measured in this order: " + String.join("; ", rows.stream().map(Row::label).toList()) + ".");
    for (Row r : rows) {
      if (r.wrk() != null && !r.neighbourCpuMs().isEmpty()) {
        double ms = r.neighbourCpuMs().values().stream().mapToDouble(Double::doubleValue).sum();
        l.add(String.format("During \"%s\" the idle replica(s) %s used %.2f cores.", r.label(),
            r.neighbourCpuMs().keySet(), ms / 1000 / r.wrk().seconds()));
      }
    }
    l.add("");
    for (Row r : tableOrder(rows)) {
      if (r.wrk() != null && r.redis() != null && !r.label().startsWith("in-process") && !r.label().startsWith("bare")) {
        l.add("- " + r.label() + ", Redis calls per request (masters; time per call in Redis): "
            + r.redis().perRequest(r.wrk().requests()) + "; " + r.admissionCalls());
      }
    }
    return l;
  }

  /** The table's order: bare, in-process, cluster admitted, cluster refused, bare at the end, then [B]. */
  private static List<Row> tableOrder(List<Row> rows) {
    List<String> order = List.of("bare, start", "bare [B]", "in-process", "Redis Cluster, 3 levels admitted",
        "Redis Cluster, refused", "bare, end");
    List<Row> sorted = new ArrayList<>(rows);
    sorted.sort((a, b) -> Integer.compare(rank(a, order), rank(b, order)));
    return sorted;
  }

  private static int rank(Row r, List<String> order) {
    for (int i = 0; i < order.size(); i++) {
      if (r.label().startsWith(order.get(i))) {
        return (r.bSide() ? 100 : 0) + i;
      }
    }
    return 200;
  }

  /** The mean of {@code value} over one side's measured bare rows; 0 when there is none. */
  private static double bareMean(List<Row> rows, boolean bSide, ToDoubleFunction<Row> value) {
    return rows.stream().filter(r -> r.bSide() == bSide && r.label().startsWith("bare") && r.wrk() != null)
        .mapToDouble(value).average().orElse(0);
  }

  private List<String> raw(List<Row> rows) {
    List<String> l = new ArrayList<>();
    l.add("");
    l.add("## Raw numbers");
    l.add("");
    l.add("jar: " + o.jar.toAbsolutePath() + "; replicas' extra JVM options: " + Replica.jvmOptions
        + (o.abJvmOptions.isEmpty() ? "" : "; [B] options: " + o.abJvmOptions)
        + (o.abJar == null ? "" : "; [B] jar: " + o.abJar.toAbsolutePath())
        + (o.abEnv.isEmpty() ? "" : "; [B] environment: " + o.abEnv) + "; work dir: " + dir.toAbsolutePath());
    for (Row r : rows) {
      l.add("");
      l.add("### " + r.label() + " (" + r.replica() + ")");
      l.add("");
      l.add("- warm-up: " + String.format("%.1f s", r.warmUpSeconds()) + ", methods compiled per "
          + JvmCounters.POLL_SECONDS + " s: " + r.warmUpCompiles());
      l.add("- " + r.check());
      if (r.wrk() == null) {
        continue;
      }
      l.add(String.format("- window: %,d requests in %.2f s; JVM CPU %.0f ms (%.2f cores); %d methods compiled",
          r.wrk().requests(), r.wrk().seconds(), r.cpuMs(), r.cpuMs() / 1000 / r.wrk().seconds(),
          r.compilesInWindow()));
      if (r.perf() != null) {
        l.add(String.format("- perf: %,d syscalls, %,d context switches", r.perf().syscalls(),
            r.perf().contextSwitches()));
      }
      if (r.redis() != null) {
        l.add(String.format("- Redis: %,d commands and %,d read events on the masters, %.2f s CPU on all nodes; %s",
            r.redis().commands(), r.redis().reads(), r.redis().cpuSeconds(), r.redis().perRequest(r.wrk().requests())));
      }
      if (!r.neighbourCpuMs().isEmpty()) {
        l.add("- idle replicas' CPU during the window (ms): " + r.neighbourCpuMs());
      }
      l.add("");
      l.add("```");
      l.add(r.wrk().raw().strip());
      l.add("```");
    }
    return l;
  }

  @Override
  public void close() {
    List<AutoCloseable> all;
    synchronized (started) {
      all = new ArrayList<>(started);
      started.clear();
    }
    Collections.reverse(all);
    for (AutoCloseable c : all) {
      try {
        c.close();
      } catch (Exception e) {
        // stop the rest anyway
      }
    }
    running.clear();
  }
}
