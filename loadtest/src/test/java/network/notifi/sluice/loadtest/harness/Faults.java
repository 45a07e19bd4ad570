package network.notifi.sluice.loadtest.harness;

import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Faults under a steady stream of build starts ({@code loadtest/run.sh faults}): replicas on the Redis
 * Cluster behind nginx, builds as local processes that write their start and end to one log; then,
 * under load, one replica is SIGKILLed, the master that serves the namespace's keys is SIGKILLed
 * (cluster failover), and later every Redis node is stopped for {@code sluice.down.seconds} (30) and
 * let go on.
 *
 * <p>The invariants, from what ran (the builds' own log) and what the replicas answer: every build
 * answered 202 ended exactly once or still waits (lost 0), no build started twice (duplicates 0), never
 * more builds running at once than the cap (peak running, from the log).
 */
final class Faults {
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private static final Duration CLIENT_TIMEOUT = Duration.ofSeconds(30);
  private static final Pattern BUILD_ID = Pattern.compile("\"build_id\":\"([^\"]+)\"");
  private static final Pattern STATUS = Pattern.compile("\"status\":\"([^\"]+)\"");
  private static final Pattern REASON = Pattern.compile("\"reason\":\"([^\"]+)\"");

  private final Harness.Options o;
  private final Log log;
  private final Path dir;
  private final PrintStream out;
  private final Map<String, String> accepted = new ConcurrentHashMap<>();
  private final Map<String, Integer> answers = new ConcurrentHashMap<>();
  /** The slowest answer of each phase, in ms. */
  private final Map<String, Long> slowest = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<String> phases = new ConcurrentLinkedQueue<>();
  private volatile String phase = "baseline";

  Faults(Harness.Options o, Log log, Path dir, PrintStream out) {
    this.o = o;
    this.log = log;
    this.dir = dir;
    this.out = out;
  }

  Harness.ScenarioResult run(Topology t) throws Exception {
    if (!t.cluster) {
      throw new IllegalStateException("faults needs the Redis Cluster (not --embedded / --redis none)");
    }
    int cap = Integer.parseInt(o.props.getOrDefault("sluice.cap", "10"));
    int rps = Integer.parseInt(o.props.getOrDefault("sluice.rps", "8"));
    int downSeconds = Integer.parseInt(o.props.getOrDefault("sluice.down.seconds", o.shortForm ? "8" : "30"));
    int failoverSeconds = Integer.parseInt(o.props.getOrDefault("sluice.failover.seconds", o.shortForm ? "10" : "25"));
    int calmSeconds = o.shortForm ? 5 : 15;
    Path runs = dir.resolve("faults-runs.log").toAbsolutePath();
    Files.deleteIfExists(runs);
    Map<String, String> env = new LinkedHashMap<>(Limits.SEED.env());
    env.put("SLUICE_JOBS_LAUNCHER", "local");
    env.put("SLUICE_RATE_LIMITING_MAX_CONCURRENT_JOBS", Integer.toString(cap));
    env.put("SLUICE_JOBS_LOCAL_COMMAND", "echo \"start $BUILD_ID $(date +%s%N)\" >> " + runs
        + "; sleep 0.5; echo \"end $BUILD_ID $(date +%s%N)\" >> " + runs);
    log.info("=== faults: " + rps + " build starts/s, cap " + cap + "; a replica killed, a master killed ("
        + failoverSeconds + " s under load), then every Redis node stopped for " + downSeconds + " s");
    t.start(env, true);
    RedisCluster redis = t.redis();
    List<String> targets = t.nginx != null ? List.of(t.nginx.url()) : t.replicas.stream().map(Replica::url).toList();
    AtomicBoolean sending = new AtomicBoolean(true);
    Thread load = new Thread(() -> send(targets, rps, sending), "faults-load");
    load.start();
    try {
      pause(calmSeconds);
      phase("replica-killed");
      Replica doomed = t.replicas.get(t.replicas.size() - 1);
      log.info("SIGKILL of " + doomed.name() + " (its builds run on; its leases and queue claims are taken over)");
      doomed.proc.process.destroyForcibly().waitFor();
      pause(calmSeconds);
      phase("master-killed");
      String jobsKey = "sluice:jobs:{jobs}:ns:default:slots";
      int master = redis.masterOf(jobsKey);
      log.info("SIGKILL of the master on " + master + " (it serves namespace default's keys)");
      redis.kill(master);
      pause(failoverSeconds);
      // Restarted before its replica took over, the node would come back as the master of its slots
      // with nothing in them (no persistence): the builds accepted before would be lost to the run.
      redis.awaitFailover(jobsKey, master, Duration.ofSeconds(60));
      log.info("failed over: " + redis.masterOf(jobsKey) + " serves namespace default's keys");
      redis.restart(master);
      redis.awaitOk(Duration.ofSeconds(60));
      phase("after-failover");
      pause(calmSeconds);
      phase("redis-down");
      log.info("SIGSTOP of every Redis node for " + downSeconds + " s");
      redis.freezeAll();
      pause(downSeconds);
      redis.thawAll();
      log.info("SIGCONT: Redis answers again");
      phase("after-redis-down");
      pause(calmSeconds);
    } finally {
      sending.set(false);
      load.join();
    }
    log.info("load stopped; waiting for every accepted build to end");
    Map<String, String> states = new TreeMap<>();
    try {
      Wait.until("every accepted build ended", Duration.ofSeconds(180), () -> {
        states.clear();
        for (String id : accepted.keySet()) {
          states.put(id, state(targets.get(0), id));
        }
        return states.values().stream().allMatch(s -> s.equals("succeeded") || s.equals("failed"));
      });
    } catch (IllegalStateException notAll) {
      log.info(notAll.getMessage() + ": reporting the states as they are");
    }
    return report(cap, runs, states);
  }

  private Harness.ScenarioResult report(int cap, Path runs, Map<String, String> states) throws Exception {
    Map<String, Integer> starts = new TreeMap<>();
    Map<String, Integer> ends = new TreeMap<>();
    TreeMap<Long, Integer> events = new TreeMap<>();
    for (String line : Files.readAllLines(runs)) {
      String[] f = line.trim().split(" ");
      if (f.length != 3) {
        continue;
      }
      boolean start = f[0].equals("start");
      (start ? starts : ends).merge(f[1], 1, Integer::sum);
      events.merge(Long.parseLong(f[2]) * 2 + (start ? 1 : 0), start ? 1 : -1, Integer::sum);
    }
    int running = 0;
    int peak = 0;
    for (int delta : events.values()) {
      running += delta;
      peak = Math.max(peak, running);
    }
    long duplicates = starts.values().stream().filter(n -> n > 1).count();
    long ended = states.values().stream().filter(s -> s.equals("succeeded") || s.equals("failed")).count();
    long waiting = states.values().stream().filter(s -> s.equals("queued") || s.equals("running")).count();
    long lost = accepted.size() - ended - waiting;
    long endedWithoutRun = states.entrySet().stream()
        .filter(e -> e.getValue().equals("succeeded") && !starts.containsKey(e.getKey())).count();
    long failed = states.values().stream().filter(s -> s.equals("failed")).count();
    List<Check> checks = List.of(
        Check.of("no accepted build lost", lost == 0 && endedWithoutRun == 0,
            "accepted " + accepted.size() + ", ended " + ended + " (failed " + failed + "), still waiting " + waiting
                + ", lost " + lost + ", succeeded without a run " + endedWithoutRun),
        Check.of("no build started twice", duplicates == 0, "duplicates " + duplicates + " (builds run: "
            + starts.size() + ")"),
        Check.of("never more builds running than the cap", peak <= cap, "peak running " + peak + " <= cap " + cap));
    List<String> details = new ArrayList<>();
    details.add("answers by phase: " + new TreeMap<>(answers));
    details.add("slowest answer by phase, ms (client timeout " + CLIENT_TIMEOUT.toSeconds() + " s): "
        + new TreeMap<>(slowest));
    details.add("phases: " + String.join(" -> ", phases));
    Files.writeString(dir.resolve("faults-states.txt"), states.toString());
    for (Check c : checks) {
      out.println("  " + c);
    }
    details.forEach(d -> out.println("  " + d));
    boolean failedRun = checks.stream().anyMatch(c -> !c.ok());
    return new Harness.ScenarioResult("faults", failedRun ? "FAILED" : "PASSED", checks, null, null,
        "builds' log " + runs, details);
  }

  private void send(List<String> targets, int rps, AtomicBoolean sending) {
    long period = 1_000_000_000L / rps;
    long next = System.nanoTime();
    int n = 0;
    String run = Long.toString(System.nanoTime(), 36);
    var pool = java.util.concurrent.Executors.newFixedThreadPool(16);
    try {
      while (sending.get()) {
        String target = targets.get(n % targets.size());
        String parser = "faults-" + run + "-" + n++;
        String during = phase;
        pool.submit(() -> start(target, parser, during));
        next += period;
        long wait = next - System.nanoTime();
        if (wait > 0) {
          Thread.sleep(wait / 1_000_000L, (int) (wait % 1_000_000L));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      pool.shutdown();
      try {
        pool.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private void start(String target, String parser, String during) {
    String key;
    long sent = System.nanoTime();
    try {
      // Longer than any bound the replicas state (docs/operations.md), so a late answer is measured, not cut off.
      HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(target + "/events"))
          .timeout(CLIENT_TIMEOUT)
          .header("Ce-Type", "network.notifi.lambda.build.start").header("Ce-Id", parser)
          .header("Content-Type", "application/json")
          .POST(HttpRequest.BodyPublishers.ofString("{\"parser_id\":\"" + parser + "\"}")).build(),
          HttpResponse.BodyHandlers.ofString());
      key = Integer.toString(r.statusCode());
      if (r.statusCode() == 202) {
        Matcher id = BUILD_ID.matcher(r.body());
        if (id.find()) {
          accepted.put(id.group(1), parser);
        }
      } else {
        Matcher reason = REASON.matcher(r.body());
        key += reason.find() ? " " + reason.group(1) : "";
      }
    } catch (Exception e) {
      key = "error " + e.getClass().getSimpleName();
    }
    answers.merge(during + " " + key, 1, Integer::sum);
    slowest.merge(during, (System.nanoTime() - sent) / 1_000_000, Math::max);
  }

  /** The build's status as a replica answers it; {@code missing} for 404, {@code unknown} otherwise. */
  private static String state(String target, String id) throws Exception {
    HttpResponse<String> r = HTTP.send(HttpRequest.newBuilder(URI.create(target + "/builds/" + id))
        .timeout(Duration.ofSeconds(5)).GET().build(), HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() == 404) {
      return "missing";
    }
    Matcher m = STATUS.matcher(r.body());
    return r.statusCode() == 200 && m.find() ? m.group(1) : "unknown";
  }

  private void phase(String name) {
    phase = name;
    phases.add(name);
    log.info("phase " + name);
  }

  private static void pause(int seconds) throws InterruptedException {
    Thread.sleep(seconds * 1000L);
  }
}
