package network.notifi.sluice.api.redis;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import java.util.stream.Collectors;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every Redis node stops (SIGSTOP: connections stay open, commands are never answered) under a stream
 * of concurrent build starts. Every start is answered within the bound the timeouts give (the
 * limiter's {@code decision_timeout}, build admission's twice {@code command_timeout}, and the give-back
 * of a refused start's tokens, {@code decision_timeout} again): accepted, or refused with a reason and
 * {@code Retry-After}; never left hanging. The HTTP client's timeout is the detector. Once Redis
 * answers again, every accepted build runs exactly once and no refused one runs.
 *
 * <p>Regression: in the fault run, starts sent in the first seconds of a stop waited for the limiter,
 * then the admission script with its retry, then the undoing of the failed step with its retry (and a
 * write-back before it), each for its own timeouts: over 10 s with the run's 2 s command timeout.
 */
class FrozenRedisAnswersTest {

  // Long enough that the waits add up to far more than the bound before the fix; CPU jitter on a
  // shared box stays well inside the margin.
  private static final Duration COMMAND_TIMEOUT = Duration.ofSeconds(1);
  private static final Duration DECISION_TIMEOUT = Duration.ofMillis(1500);
  /** decision + admission step + give-back, and a second for the work in between. */
  private static final Duration BOUND = DECISION_TIMEOUT.plus(COMMAND_TIMEOUT.multipliedBy(2))
      .plus(DECISION_TIMEOUT).plusSeconds(1);

  private static final AtomicInteger RUNS = new AtomicInteger();

  private final AtomicInteger parsers = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @TempDir
  Path dir;

  @Test
  void everyStartIsAnsweredInTimeWhileStandaloneRedisIsFrozen() throws Exception {
    RedisServer redis = RedisServers.newStandalone();
    try {
      startsWhileFrozen("standalone", redis.hostAndPort(), List.of(redis));
    } finally {
      redis.kill();
    }
  }

  @Test
  void everyStartIsAnsweredInTimeWhileEveryClusterNodeIsFrozen() throws Exception {
    var cluster = RedisServers.cluster();
    try {
      startsWhileFrozen("cluster", String.join(",", cluster.addresses()), cluster.nodes());
    } finally {
      // Shared with other tests: whole again before they run.
      cluster.awaitHealthy();
    }
  }

  private void startsWhileFrozen(String mode, String addresses, List<RedisServer> nodes) throws Exception {
    Path runs = dir.resolve("runs.log");
    Files.createFile(runs);
    Map<String, String> env = new HashMap<>();
    env.put("SLUICE_REDIS_MODE", mode);
    env.put("SLUICE_REDIS_ADDRESSES", addresses);
    // Keys of their own on the shared cluster; a namespace of its own for the slots.
    env.put("SLUICE_REDIS_KEY_PREFIX", "frozen" + RUNS.incrementAndGet() + ":");
    env.put("SLUICE_REDIS_COMMAND_TIMEOUT", COMMAND_TIMEOUT.toMillis() + "ms");
    env.put("SLUICE_REDIS_DECISION_TIMEOUT", DECISION_TIMEOUT.toMillis() + "ms");
    env.put("SLUICE_RATE_LIMITING_MAX_CONCURRENT_JOBS", "10");
    env.put("SLUICE_JOBS_LOCAL_COMMAND", "echo \"$BUILD_ID\" >> " + runs + "; sleep 0.2");
    try (var app = Wiring.build(TestConfigs.config(env), Map.of()).start()) {
      var client = new HttpTestClient(app.port());
      var admin = new HttpTestClient(app.adminPort());
      // Given a replica that has admitted through Redis (so it has a count of running builds)
      for (int i = 0; i < 3; i++) {
        assertThat(client.send(client.buildStart(parser())).statusCode()).isEqualTo(202);
      }
      await().atMost(Duration.ofSeconds(10)).until(() ->
          admin.get("/metrics").body().contains("concurrent_jobs_active{namespace=\"default\"} 0.0"));

      List<CompletableFuture<HttpResponse<String>>> answers = new ArrayList<>();
      try {
        // When every node stops, and build starts keep coming, 4 at once every 100 ms, until the
        // replica knows Redis is down and for a second more
        nodes.forEach(RedisServer::freeze);
        long degradedAt = 0;
        for (int wave = 0; wave < 100 && (degradedAt == 0 || wave < degradedAt + 10); wave++) {
          for (int i = 0; i < 4; i++) {
            answers.add(http.sendAsync(client.buildStart(parser()).timeout(BOUND).build(),
                HttpResponse.BodyHandlers.ofString()));
          }
          if (degradedAt == 0 && jobsDegraded(admin)) {
            degradedAt = wave;
          }
          Thread.sleep(100);
        }
        CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new)).handle((v, e) -> null).join();
      } finally {
        nodes.forEach(RedisServer::thaw);
      }

      // Then every start was answered within the bound: accepted, or refused with a reason
      List<String> timedOut = answers.stream().filter(CompletableFuture::isCompletedExceptionally)
          .map(f -> f.handle((r, e) -> String.valueOf(e)).join()).toList();
      assertThat(timedOut).as("starts not answered within " + BOUND.toMillis() + " ms").isEmpty();
      List<HttpResponse<String>> responses = answers.stream().map(CompletableFuture::join).toList();
      assertThat(responses).allSatisfy(r -> {
        assertThat(r.statusCode()).as(r.body()).isIn(202, 429, 503);
        if (r.statusCode() != 202) {
          assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
              type -> assertThat(type).startsWith("application/problem+json"));
          assertThat(json(r).get("reason").asText()).isIn("jobs_degraded", "jobs_unavailable", "global", "endpoint");
          assertThat(r.headers().firstValue("Retry-After")).isPresent();
        }
      });
      assertThat(responses).as("starts refused while Redis was frozen")
          .anySatisfy(r -> assertThat(r.statusCode()).isEqualTo(503));
      List<String> accepted = responses.stream().filter(r -> r.statusCode() == 202)
          .map(r -> json(r).get("build_id").asText()).toList();

      // And once Redis answers, every accepted build has run exactly once, and nothing refused ran
      await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
        assertThat(json(admin.get("/health/ready")).get("status").asText()).isEqualTo("UP");
        for (String id : accepted) {
          assertThat(json(client.get("/builds/" + id)).get("status").asText()).as(id).isEqualTo("succeeded");
        }
      });
      Map<String, Long> started = Files.readAllLines(runs).stream().filter(line -> !line.isBlank())
          .collect(Collectors.groupingBy(Function.identity(), Collectors.counting()));
      for (String id : accepted) {
        assertThat(started.get(id)).as("runs of accepted build " + id).isEqualTo(1L);
      }
      // 3 builds before the stop, then only those accepted during it
      assertThat(started).hasSize(3 + accepted.size());
    }
  }

  private static boolean jobsDegraded(HttpTestClient admin) {
    try {
      return json(admin.get("/health/ready")).at("/dependencies/jobs/degraded").asBoolean();
    } catch (UncheckedIOException e) {
      return false;
    }
  }

  private String parser() {
    return "parser-" + parsers.incrementAndGet();
  }
}
