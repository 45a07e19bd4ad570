package network.notifi.sluice.loadtest.harness;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The side-by-side benchmark: the bare endpoint ({@code GET /health/live}) and a build start through
 * the limiter, in-process and on the Redis Cluster, each direct to one replica and through nginx to
 * three, in one run. Limits are set so high that everything is admitted.
 */
final class Bench {
  private final Harness.Options o;
  private final Log log;
  private final Path dir;
  private final Harness harness;

  Bench(Harness.Options o, Log log, Path dir, Harness harness) {
    this.o = o;
    this.log = log;
    this.dir = dir;
    this.harness = harness;
  }

  List<Harness.ScenarioResult> run(Topology ignored) throws Exception {
    List<Harness.ScenarioResult> results = new ArrayList<>();
    Map<String, String> params = new LinkedHashMap<>();
    params.put("sluice.duration", o.shortForm ? "5" : "20");
    params.put("sluice.users", "32");
    params.putAll(o.props);
    Map<String, String> env = new LinkedHashMap<>(Limits.UNLIMITED.env());
    env.putAll(Harness.jobsEnv(3600));
    log.info("=== bench: in-process limiter, " + o.replicas + " replicas");
    try (Topology t = new Topology(false, o.replicas, true, o.jar, dir.resolve("bench-local"), log)) {
      java.nio.file.Files.createDirectories(dir.resolve("bench-local"));
      t.start(env, false);
      results.add(one(t.replicas.get(0).url(), "live", "bare endpoint, direct", params));
      results.add(one(t.nginx.url(), "live", "bare endpoint, nginx", params));
      results.add(one(t.replicas.get(0).url(), "events", "in-process limiter, direct", params));
      results.add(one(t.nginx.url(), "events", "in-process limiter, nginx", params));
    }
    if (Harness.jarHasRedis(o.jar)) {
      log.info("=== bench: Redis Cluster limiter, " + o.replicas + " replicas");
      try (Topology t = new Topology(true, o.replicas, true, o.jar, dir.resolve("bench-cluster"), log)) {
        java.nio.file.Files.createDirectories(dir.resolve("bench-cluster"));
        t.start(env, false);
        results.add(one(t.replicas.get(0).url(), "events", "Redis Cluster limiter, direct", params));
        results.add(one(t.nginx.url(), "events", "Redis Cluster limiter, nginx", params));
      }
    } else {
      results.add(new Harness.ScenarioResult("Redis Cluster limiter", "SKIPPED", List.of(), null, null,
          "redis.mode not wired in this jar"));
    }
    log.info("| setup | req/s | p50 ms | p95 ms | p99 ms | KO |");
    for (Harness.ScenarioResult r : results) {
      if (r.stats() != null) {
        log.info(String.format("| %s | %.0f | %.1f | %.1f | %.1f | %d |", r.id(), r.stats().rps(), r.stats().p50(),
            r.stats().p95(), r.stats().p99(), r.stats().ko()));
      }
    }
    return results;
  }

  private Harness.ScenarioResult one(String url, String target, String label, Map<String, String> params)
      throws Exception {
    Map<String, String> p = new LinkedHashMap<>(params);
    p.put("sluice.target", target);
    String id = "bench " + label;
    Harness.GatlingRun g = harness.gatling("network.notifi.sluice.loadtest.ThroughputSimulation", url, p,
        dir.resolve("bench-" + label.replaceAll("[^a-z]+", "-") + ".outcomes.properties"), dir,
        "bench-" + label.replaceAll("[^a-z]+", "-"));
    List<Check> checks = List.of(Check.of("Gatling assertions", g.exit() == 0, "exit code " + g.exit()));
    return new Harness.ScenarioResult(id, g.exit() == 0 ? "PASSED" : "FAILED", checks, g.stats(), g.report(), null);
  }
}
