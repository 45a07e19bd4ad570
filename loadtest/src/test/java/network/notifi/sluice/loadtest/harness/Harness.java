package network.notifi.sluice.loadtest.harness;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.zip.ZipFile;

/**
 * Runs simulations against real servers it starts and stops itself: a Redis Cluster, Sluice replicas
 * and nginx ({@code loadtest/run.sh} is its command line; the test suite runs the short form of the
 * seed's scenarios). After each simulation it reads every replica's {@code /metrics} and checks the
 * cross-replica bounds; a failed Gatling assertion or check makes the run fail.
 */
public final class Harness {
  /** How to run. */
  public static final class Options {
    public List<String> scenarios = new ArrayList<>();
    public boolean shortForm;
    public boolean cluster = true;
    public int replicas = 3;
    public boolean nginx = true;
    /** How nginx spreads requests over the replicas ({@code --balance round-robin|third-party}). */
    public Nginx.Balance balance = Nginx.Balance.ROUND_ROBIN;
    public Path jar = Path.of("api/target/sluice.jar");
    public Path workDir = Path.of("loadtest/target/harness");
    public Path resultsDir = Path.of("loadtest/target/gatling");
    public String classpath = System.getProperty("java.class.path");
    public Map<String, String> props = new LinkedHashMap<>();
    /** Gatling's console output: on the harness's stdout (true) or only in a log file. */
    public boolean gatlingToConsole = true;
    /** Start the cluster topology even with a jar that has no Redis backend (to see the checks fail). */
    public boolean allowUnshared;
    /** Run Gatling inside this JVM (the test suite: no JVM start per simulation) instead of a fork. */
    public boolean gatlingInProcess;
    /** Every pid the harness starts is appended here (run.sh stops leftovers from it). */
    public Path pidFile;
    /** Extra JVM options of every replica: {@code --replica-jvm-opts}, else {@code SLUICE_REPLICA_JAVA_OPTS}. */
    public List<String> replicaJvmOptions = words(System.getenv("SLUICE_REPLICA_JAVA_OPTS"));
    /** The bench's B side: its cluster rows again on a replica with these JVM options added ({@code --ab-jvm-opts}). */
    public List<String> abJvmOptions = List.of();
    /** The bench's B side runs this jar instead of {@link #jar} ({@code --ab-jar}): two builds in one run. */
    public Path abJar;
    /**
     * The bench's B side also gets these environment variables ({@code --ab-env "K=V K2=V2"}): one
     * build under two settings in one run, e.g. {@code SLUICE_REDIS_HOT_KEY_LEASES_TOKENS=100}.
     */
    public Map<String, String> abEnv = Map.of();
    /** Count system calls and context switches with perf in the bench ({@code --no-perf}: not). */
    public boolean perf = true;

    public Options embedded() {
      cluster = false;
      replicas = 1;
      nginx = false;
      return this;
    }
  }

  /** What one scenario came to; {@code details}: lines to print under it in the summary. */
  public record ScenarioResult(String id, String status, List<Check> checks, GatlingStats stats,
      Path report, String note, List<String> details) {
    public ScenarioResult(String id, String status, List<Check> checks, GatlingStats stats, Path report,
        String note) {
      this(id, status, checks, stats, report, note, List.of());
    }

    public boolean failed() {
      return "FAILED".equals(status);
    }
  }

  private final Options o;
  private final Log log;
  private final PrintStream out;

  public Harness(Options options, PrintStream out) {
    this.o = options;
    this.out = out;
    this.log = new Log(out);
  }

  public static void main(String[] args) throws Exception {
    Options o = new Options();
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--embedded" -> o.embedded();
        case "--short" -> o.shortForm = true;
        case "--redis" -> o.cluster = "cluster".equals(args[++i]);
        case "--replicas" -> o.replicas = Integer.parseInt(args[++i]);
        case "--no-nginx" -> o.nginx = false;
        case "--balance" -> o.balance = Nginx.Balance.of(args[++i]);
        case "--allow-unshared" -> o.allowUnshared = true;
        case "--jar" -> o.jar = Path.of(args[++i]);
        case "--replica-jvm-opts" -> o.replicaJvmOptions = words(args[++i]);
        case "--ab-jvm-opts" -> o.abJvmOptions = words(args[++i]);
        case "--ab-jar" -> o.abJar = Path.of(args[++i]);
        case "--ab-env" -> o.abEnv = assignments(args[++i]);
        case "--no-perf" -> o.perf = false;
        case "--work" -> o.workDir = Path.of(args[++i]);
        case "--results" -> o.resultsDir = Path.of(args[++i]);
        case "--pid-file" -> o.pidFile = Path.of(args[++i]);
        default -> {
          if (a.startsWith("-D") && a.contains("=")) {
            o.props.put(a.substring(2, a.indexOf('=')), a.substring(a.indexOf('=') + 1));
          } else if (a.startsWith("-")) {
            throw new IllegalArgumentException("unknown option " + a);
          } else {
            o.scenarios.add(a);
          }
        }
      }
    }
    if (o.scenarios.isEmpty()) {
      o.scenarios.add("seed");
    }
    List<ScenarioResult> results = new Harness(o, System.out).run();
    System.exit(results.stream().anyMatch(ScenarioResult::failed) ? 1 : 0);
  }

  /** Options in one string, split at white space (no quoting). */
  static List<String> words(String options) {
    return options == null || options.isBlank() ? List.of() : List.of(options.trim().split("\\s+"));
  }

  /** {@code "K=V K2=V2"} as a map, in order; a word without {@code =} is refused. */
  static Map<String, String> assignments(String words) {
    Map<String, String> env = new LinkedHashMap<>();
    for (String word : words(words)) {
      int eq = word.indexOf('=');
      if (eq <= 0) {
        throw new IllegalArgumentException("--ab-env takes NAME=VALUE words, was '" + word + "'");
      }
      env.put(word.substring(0, eq), word.substring(eq + 1));
    }
    return env;
  }

  /** Runs every scenario asked for; never throws for a failed check, only reports it. */
  public List<ScenarioResult> run() throws Exception {
    if (!Files.isRegularFile(o.jar)) {
      throw new IllegalStateException(o.jar.toAbsolutePath() + " not found: build it with "
          + "mvn -B -q -pl api -am package -DskipTests");
    }
    boolean onlyBench = o.scenarios.stream().allMatch("bench"::equals);
    Replica.jvmOptions = List.copyOf(o.replicaJvmOptions);
    if (o.cluster && !onlyBench && !o.allowUnshared && !jarHas("network/notifi/sluice/redis/")) {
      throw new IllegalStateException(o.jar + " has no Redis backend yet (redis.mode is not wired): "
          + "the replicas would not share buckets. Run with --embedded, or rebuild the jar once it is.");
    }
    if (o.nginx && !onlyBench && Nginx.binary() == null) {
      throw new IllegalStateException("nginx not found: install Debian's package nginx-light (or nginx)");
    }
    String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
    Path dir = Files.createDirectories(o.workDir.resolve(stamp));
    Files.createDirectories(o.resultsDir);
    Proc.pidFile = o.pidFile;
    List<Scenario> scenarios = new ArrayList<>();
    boolean bench = false;
    boolean burst = false;
    boolean faults = false;
    for (String s : o.scenarios) {
      if (s.equals("seed")) {
        scenarios.addAll(Scenario.SEED);
      } else if (s.equals("bench")) {
        bench = true;
      } else if (s.equals("burst")) {
        burst = true;
      } else if (s.equals("faults")) {
        faults = true;
      } else {
        scenarios.add(Scenario.byId(s));
      }
    }
    log.info("work dir " + dir.toAbsolutePath() + (scenarios.isEmpty() && !burst && !faults ? "" : "; topology: "
        + (o.cluster ? "Redis Cluster, " : "in-process buckets, ") + o.replicas + " replica(s)"
        + (o.nginx ? " behind nginx" : o.replicas > 1 ? ", no balancer (Gatling takes the replicas in turn)" : "")
        + (o.shortForm ? "; short form" : ""))
        + (Replica.jvmOptions.isEmpty() ? "" : "; replicas' extra JVM options " + Replica.jvmOptions));
    List<ScenarioResult> results = new ArrayList<>();
    try (Topology t = new Topology(o.cluster, o.replicas, o.nginx, o.balance, o.jar, dir, log)) {
      Thread hook = new Thread(t::close, "harness-stop");
      Runtime.getRuntime().addShutdownHook(hook);
      for (Scenario s : scenarios) {
        try {
          results.add(runScenario(t, s, dir));
        } catch (Exception e) {
          results.add(didNotRun(s.id, "scenario", e));
          t.close(); // the next scenario starts from scratch
        }
      }
      if (burst) {
        try {
          results.add(new Burst(o, log, dir, out).run(t));
        } catch (Exception e) {
          results.add(didNotRun("burst", "burst", e));
        }
      }
      if (faults) {
        try {
          results.add(new Faults(o, log, dir, out).run(t));
        } catch (Exception e) {
          results.add(didNotRun("faults", "faults", e));
        }
      }
      try {
        Runtime.getRuntime().removeShutdownHook(hook);
      } catch (IllegalStateException shuttingDown) {
        // the hook stops everything
      }
    }
    if (bench) {
      // after the scenarios' servers are stopped: the bench measures on a box with nothing else of ours
      try (Bench b = new Bench(o, log, dir.resolve("bench"), out)) {
        Files.createDirectories(dir.resolve("bench"));
        Thread hook = new Thread(b::close, "harness-stop-bench");
        Runtime.getRuntime().addShutdownHook(hook);
        try {
          results.addAll(b.run());
        } catch (Exception e) {
          results.add(didNotRun("bench", "bench", e));
        }
        try {
          Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException shuttingDown) {
          // the hook stops everything
        }
      }
    }
    out.println();
    out.println("==== summary ====");
    for (ScenarioResult r : results) {
      out.println(r.id + ": " + r.status + (r.note == null ? "" : " (" + r.note + ")"));
      if (r.stats != null) {
        out.println("  gatling: " + r.stats);
      }
      r.checks.forEach(c -> out.println("  " + c));
      r.details.forEach(d -> out.println("  " + d));
      if (r.report != null) {
        out.println("  report: " + r.report.resolve("index.html").toAbsolutePath());
      }
    }
    return results;
  }

  /** What a run that threw reports: FAILED, with one check saying {@code what} did not run and why. */
  private ScenarioResult didNotRun(String id, String what, Exception e) {
    log.info(id + " FAILED: " + e.getMessage());
    return new ScenarioResult(id, "FAILED",
        List.of(Check.of(what + " ran", false, String.valueOf(e.getMessage()))), null, null, null);
  }

  private ScenarioResult runScenario(Topology t, Scenario s, Path dir) throws Exception {
    Map<String, String> params = new LinkedHashMap<>(o.shortForm ? s.shortForm : s.full);
    params.putAll(o.props);
    int jobSeconds = Integer.parseInt(params.getOrDefault("sluice.jobSeconds", "3"));
    log.info("=== " + s.id + " (" + s.simulation.substring(s.simulation.lastIndexOf('.') + 1) + ") " + params);
    Map<String, String> env = new LinkedHashMap<>(s.limits.env());
    env.putAll(jobsEnv(jobSeconds));
    t.start(env, s.needsJobs);
    boolean jobs = t.replicas.get(0).hasJobs();
    if (s.needsJobs && !jobs) {
      log.info(s.id + " SKIPPED: build admission (jobs.*) is not wired in this jar");
      return new ScenarioResult(s.id, "SKIPPED", List.of(), null, null, "build admission not wired in this jar");
    }
    String warmUp = warmUpReplicas(t, s, params, dir);
    JobSampler sampler = jobs ? JobSampler.start(t.replicas, t.cluster && jarSharesJobs(o.jar)) : null;
    List<Metrics> scrapedBefore = scrape(t.replicas);
    Totals before = Totals.from(scrapedBefore);
    long nginxErrorsBefore = t.nginx == null ? 0 : t.nginx.serverErrors();
    long nginxLinesBefore = t.nginx == null ? 0 : t.nginx.accessLines().size();
    Path outcomesFile = dir.resolve(s.id + ".outcomes.properties");
    GatlingRun g = gatling(s.simulation, t.target(), params, outcomesFile, dir, s.id);
    List<Check> checks = new ArrayList<>();
    checks.add(Check.of("Gatling assertions (no 5xx, no unexpected status, latency)", g.exit == 0,
        "exit code " + g.exit));
    if (s == Scenario.JOB_LIMIT) {
      waitForJobsToDrain(t, Duration.ofSeconds(jobSeconds * 4L + 20), checks);
    }
    if (sampler != null) {
      sampler.stop();
    }
    Outcomes out = Outcomes.read(outcomesFile);
    log.info("outcomes: " + out + String.format(" (span %.2f s)", out.span()));
    List<Metrics> scrapedAfter = scrape(t.replicas);
    Totals totals = Totals.from(scrapedAfter).minus(before);
    List<String> timers = new ArrayList<>(Histograms.of(scrapedAfter).since(Histograms.of(scrapedBefore)).table(g.stats));
    long nginxErrors = 0;
    if (t.nginx != null) {
      Thread.sleep(1100); // the access log is flushed every second
      nginxErrors = t.nginx.serverErrors() - nginxErrorsBefore;
      Nginx.BalancerView view = t.nginx.view(nginxLinesBefore);
      timers.add(g.stats == null ? 2 : 3, view.row());
      if (view.p99PerWindowMs().size() > 1) {
        timers.add("");
        timers.add(view.timeline());
      }
    }
    timers.add("");
    timers.add(BucketRoundTrips.between(scrapedBefore, scrapedAfter).line());
    log.info("time inside Sluice (the replicas' own timers, delta over the run) next to Gatling's latency:");
    timers.forEach(log::info);
    checks.addAll(Expectations.forScenario(s, s.limits, out, totals, params));
    if (sampler != null) {
      checks.add(sampler.check(s.limits.maxConcurrentJobs()));
    }
    degradedMode(t, checks);
    if (t.nginx != null) {
      checks.add(Check.of("no 5xx at nginx", nginxErrors == 0, nginxErrors + " answers with 5xx in nginx's access log"));
    }
    boolean failed = checks.stream().anyMatch(c -> !c.ok());
    checks.forEach(c -> log.info(c.toString()));
    List<String> details = new ArrayList<>();
    if (warmUp != null) {
      details.add(warmUp);
    }
    details.add("time inside Sluice, the replicas' own timers over the run:");
    details.addAll(timers);
    return new ScenarioResult(s.id, failed ? "FAILED" : "PASSED", checks, g.stats, g.report, null, details);
  }

  /** Seconds of each warm-up round after the first. */
  private static final int WARM_UP_ROUND_SECONDS = 15;

  /**
   * Warms the replicas with the sustained mix (the traffic of the scenarios that have a warm-up) from
   * third parties of its own, not counted: {@value Scenario#REPLICA_WARM_UP} seconds, then rounds of
   * {@value #WARM_UP_ROUND_SECONDS} s until every replica's JIT compiled fewer than {@value
   * JvmCounters#SETTLED_COMPILES} methods per {@value JvmCounters#POLL_SECONDS} s over the last round
   * (the bench's rule), or {@value Scenario#REPLICA_WARM_UP_MAX} (120) seconds of traffic were sent.
   * Then waits until the replicas are idle again with full shared buckets. Returns a line saying how
   * long the warm-up took and what the cold replicas answered (its first round), or null when the
   * scenario has no warm-up.
   */
  private String warmUpReplicas(Topology t, Scenario s, Map<String, String> params, Path dir) throws Exception {
    int first = Integer.parseInt(params.getOrDefault(Scenario.REPLICA_WARM_UP, "0"));
    if (first <= 0) {
      return null;
    }
    int max = Math.max(first, Integer.parseInt(params.getOrDefault(Scenario.REPLICA_WARM_UP_MAX, "120")));
    Map<String, String> warm = new LinkedHashMap<>(params);
    warm.remove(Scenario.LOAD_GENERATOR_WARM_UP); // these rounds warm the replicas, not the load generator
    warm.put("sluice.idPrefix", "warm-up-");
    GatlingRun cold = null;
    int sent = 0;
    int rounds = 0;
    List<Long> perPoll;
    do {
      int seconds = rounds == 0 ? first : Math.min(WARM_UP_ROUND_SECONDS, max - sent);
      warm.put("sluice.duration", Integer.toString(seconds));
      log.info("replica warm-up, round " + (rounds + 1) + ": " + seconds
          + " s of the sustained mix from other third parties, not counted");
      String label = s.id + "-warm-up-" + (rounds + 1);
      List<Long> before = compiles(t.replicas);
      GatlingRun g = gatling(Scenario.SUSTAINED.simulation, t.target(), warm,
          dir.resolve(label + ".outcomes.properties"), dir, label);
      List<Long> after = compiles(t.replicas);
      cold = cold == null ? g : cold;
      sent += seconds;
      rounds++;
      perPoll = new ArrayList<>();
      for (int i = 0; i < after.size(); i++) {
        perPoll.add(Math.round((after.get(i) - before.get(i)) * (double) JvmCounters.POLL_SECONDS / seconds));
      }
      log.info("methods compiled per " + JvmCounters.POLL_SECONDS + " s over the round, per replica: " + perPoll);
    } while (sent < max && perPoll.stream().anyMatch(n -> n >= JvmCounters.SETTLED_COMPILES));
    t.awaitIdle("idle replicas with full buckets after the replica warm-up", false);
    return "replica warm-up (" + sent + " s in " + rounds + " round(s), not counted; methods compiled per "
        + JvmCounters.POLL_SECONDS + " s in the last, per replica: " + perPoll + "); its first round: "
        + (cold.stats == null ? "no stats" : cold.stats);
  }

  /** Each replica's count of methods compiled so far. */
  private static List<Long> compiles(List<Replica> replicas) throws Exception {
    List<Long> counts = new ArrayList<>();
    for (Replica r : replicas) {
      counts.add(JvmCounters.read(r.pid(), JvmCounters.COMPILES));
    }
    return counts;
  }

  private static List<Metrics> scrape(List<Replica> replicas) throws Exception {
    List<Metrics> scrapes = new ArrayList<>();
    for (Replica r : replicas) {
      scrapes.add(r.metrics());
    }
    return scrapes;
  }

  /**
   * Reports (does not judge) switches of the Redis store to degraded local decisions: each switch
   * starts fresh local buckets, which is the usual cause when a bound above is exceeded.
   */
  private static void degradedMode(Topology t, List<Check> checks) {
    if (!t.cluster) {
      return;
    }
    double switches = 0;
    double failures = 0;
    for (Replica r : t.replicas) {
      try {
        Metrics m = r.metrics();
        switches += m.sum("rate_limit_degraded_switches_total", l -> true);
        failures += m.sum("rate_limit_store_errors_total", l -> true);
      } catch (Exception e) {
        // a replica that cannot be scraped is reported by the checks above
      }
    }
    checks.add(Check.of("degraded-mode switches (information)", true, String.format(
        "%.0f switches between shared and local decisions, %.0f store failures, over all replicas",
        switches, failures)));
  }

  private void waitForJobsToDrain(Topology t, Duration timeout, List<Check> checks) {
    try {
      Wait.until("every admitted build to finish", timeout, () -> {
        double active = 0;
        for (Replica r : t.replicas) {
          active += r.metrics().sum("concurrent_jobs_active", l -> true);
        }
        return active == 0;
      });
      checks.add(Check.of("queued builds drained", true, "no build running anywhere within " + timeout.toSeconds() + " s"));
    } catch (Exception e) {
      checks.add(Check.of("queued builds drained", false, e.getMessage()));
    }
  }

  /**
   * The local launcher's build: parsers named {@code slow-*} run {@code jobSeconds}, {@code broken-*}
   * fail (exit 1), every other build succeeds at once, so scenarios about rate limits do not fill the
   * slots and queues of the ones about build admission.
   */
  static Map<String, String> jobsEnv(int jobSeconds) {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("SLUICE_JOBS_LAUNCHER", "local");
    e.put("SLUICE_JOBS_LOCAL_COMMAND", "case \"$PARSER_ID\" in slow-*) sleep " + jobSeconds
        + ";; broken-*) sleep 0.3; exit 1;; esac");
    return e;
  }

  record GatlingRun(int exit, Path report, GatlingStats stats) {}

  GatlingRun gatling(String simulation, String baseUrl, Map<String, String> params, Path outcomes,
      Path dir, String label) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(javaBin(), "-Xms256m", "-Xmx1g", "-XX:+UseG1GC",
        "-XX:MaxInlineLevel=20", "-XX:MaxTrivialSize=12", "--add-opens=java.base/java.lang=ALL-UNNAMED",
        "-cp", o.classpath, "-Dsluice.baseUrl=" + baseUrl, "-Dsluice.outcomes=" + outcomes.toAbsolutePath()));
    params.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
    cmd.addAll(List.of("io.gatling.app.Gatling", "-s", simulation, "-rf",
        o.resultsDir.toAbsolutePath().toString(), "-rd", label));
    log.info("gatling -> " + baseUrl + " (load average " + loadAverage() + ")");
    if (o.gatlingInProcess) {
      return gatlingInProcess(simulation, baseUrl, params, outcomes, label);
    }
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Path glog = dir.resolve(label + ".gatling.log");
    if (o.gatlingToConsole) {
      pb.inheritIO();
    } else {
      pb.redirectOutput(glog.toFile());
    }
    long started = System.currentTimeMillis();
    Process p = pb.start();
    AtomicBoolean done = new AtomicBoolean();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      if (!done.get()) {
        p.destroy();
      }
    }));
    if (!p.waitFor(30, TimeUnit.MINUTES)) {
      p.destroyForcibly();
    }
    done.set(true);
    Path report = newestReport(started);
    GatlingStats stats = GatlingStats.from(Outcomes.read(outcomes));
    log.info("gatling exit " + p.exitValue() + " (load average " + loadAverage() + ")"
        + (stats == null ? "" : ": " + stats));
    return new GatlingRun(p.exitValue(), report, stats);
  }

  private GatlingRun gatlingInProcess(String simulation, String baseUrl, Map<String, String> params,
      Path outcomes, String label) throws Exception {
    Map<String, String> props = new LinkedHashMap<>(params);
    props.put("sluice.baseUrl", baseUrl);
    props.put("sluice.outcomes", outcomes.toAbsolutePath().toString());
    props.forEach(System::setProperty);
    long started = System.currentTimeMillis();
    int exit;
    try {
      Class<?> gatling = Class.forName("io.gatling.app.Gatling$");
      Object module = gatling.getField("MODULE$").get(null);
      exit = (Integer) gatling.getMethod("fromArgs", String[].class).invoke(module, (Object) new String[] {
          "-s", simulation, "-rf", o.resultsDir.toAbsolutePath().toString(), "-rd", label});
    } finally {
      props.keySet().forEach(System::clearProperty);
    }
    Path report = newestReport(started);
    GatlingStats stats = GatlingStats.from(Outcomes.read(outcomes));
    log.info("gatling exit " + exit + (stats == null ? "" : ": " + stats));
    return new GatlingRun(exit, report, stats);
  }

  private Path newestReport(long since) throws Exception {
    try (var dirs = Files.list(o.resultsDir)) {
      return dirs.filter(Files::isDirectory)
          .filter(d -> Files.exists(d.resolve("index.html")))
          .filter(d -> d.toFile().lastModified() >= since - 1000)
          .max((a, b) -> Long.compare(a.toFile().lastModified(), b.toFile().lastModified()))
          .orElse(null);
    }
  }

  /** The 1-minute load average: on a shared 2-core machine it says how much the figures are worth. */
  static String loadAverage() {
    try {
      return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
    } catch (Exception e) {
      return "?";
    }
  }

  private static String javaBin() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  private boolean jarHas(String prefix) throws Exception {
    try (ZipFile z = new ZipFile(o.jar.toFile())) {
      return z.stream().anyMatch(e -> e.getName().startsWith(prefix));
    }
  }

  /**
   * Whether the service's wiring (classes under {@code network/notifi/sluice/api/}) refers to the
   * Redis implementations of build admission, i.e. replicas share slots, queue and backoff.
   */
  public static boolean jarSharesJobs(Path jar) throws Exception {
    byte[] needle = "network/notifi/sluice/redis/jobs/".getBytes(java.nio.charset.StandardCharsets.UTF_8);
    try (ZipFile z = new ZipFile(jar.toFile())) {
      for (var e : java.util.Collections.list(z.entries())) {
        if (e.getName().startsWith("network/notifi/sluice/api/") && e.getName().endsWith(".class")) {
          try (var in = z.getInputStream(e)) {
            if (indexOf(in.readAllBytes(), needle) >= 0) {
              return true;
            }
          }
        }
      }
    }
    return false;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }

  /** Whether the jar has a Redis backend wired (redis.mode), for callers choosing a topology. */
  public static boolean jarHasRedis(Path jar) throws Exception {
    try (ZipFile z = new ZipFile(jar.toFile())) {
      return z.stream().anyMatch(e -> e.getName().startsWith("network/notifi/sluice/redis/"));
    }
  }
}
