package network.notifi.sluice.api.redis;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.api.redis.ReplicasOnOwnRedis.Replica;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.Resp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Redis stops answering under two replicas (frozen: its connections stay open, its data kept, as in a
 * partition). Once a replica knows, it admits into its share of what was free at the last count,
 * refuses what would queue with {@code 503 jobs_degraded}, and writes what it admitted back to Redis
 * when Redis answers again, so that the cap holds and any replica knows every build.
 */
class DegradedAdmissionHttpTest {

  private static final int CAP = 6;

  private final ReplicasOnOwnRedis replicas = new ReplicasOnOwnRedis();
  private final RedisServer redis = replicas.redis();

  @AfterEach
  void stopReplicasAndRedis() {
    replicas.close();
  }

  @Test
  void redisUnavailableMeansEachReplicaAdmitsIntoItsShareAndWritesBackWhenRedisAnswers() {
    var env = Map.of(
        "SLUICE_REDIS_HEARTBEAT_INTERVAL", "200ms",
        "SLUICE_REDIS_HEARTBEAT_TTL", "5s",
        "SLUICE_RATE_LIMITING_MAX_CONCURRENT_JOBS", Integer.toString(CAP));
    Replica a = replicas.start(env);
    Replica b = replicas.start(env);
    var clientA = a.client();
    var clientB = b.client();
    var adminA = a.admin();
    var adminB = b.admin();
    // Given one build running through each replica, and both replicas counted
    String first = replicas.parser();
    String second = replicas.parser();
    assertThat(clientA.send(clientA.buildStart(first)).statusCode()).isEqualTo(202);
    assertThat(clientB.send(clientB.buildStart(second)).statusCode()).isEqualTo(202);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(json(adminA.get("/health/ready")).at("/dependencies/redis/live_replicas").asInt()).isEqualTo(2);
      assertThat(json(adminB.get("/health/ready")).at("/dependencies/redis/live_replicas").asInt()).isEqualTo(2);
    });
    // Every dispatcher round counts the running builds: wait for a round after both starts.
    await().atMost(Duration.ofSeconds(10)).until(() ->
        adminA.get("/metrics").body().contains("concurrent_jobs_active{namespace=\"default\"} 2.0")
            && adminB.get("/metrics").body().contains("concurrent_jobs_active{namespace=\"default\"} 2.0"));

    // The limiter's local shares start from the state Redis confirmed in the last 10 s: ask it
    // again (the same parsers: 200, nothing new starts), so that it does not refuse below.
    assertThat(clientA.send(clientA.buildStart(first)).statusCode()).isEqualTo(200);
    assertThat(clientB.send(clientB.buildStart(second)).statusCode()).isEqualTo(200);

    // When Redis stops answering, and each replica is asked for builds until it knows (its breaker
    // opens), then for 5 more
    redis.freeze();
    List<HttpResponse<String>> answersA = startsUntilDegraded(a);
    List<HttpResponse<String>> answersB = startsUntilDegraded(b);
    answersA.addAll(starts(clientA, 5));
    answersB.addAll(starts(clientB, 5));

    // Then each runs (6 - 2) / 2 = 2 of them and refuses the rest, never starting one whose step
    // timed out (Redis may still apply it when it wakes up)
    for (var answers : List.of(answersA, answersB)) {
      assertThat(answers).filteredOn(r -> r.statusCode() == 202).hasSize(2)
          .allSatisfy(r -> assertThat(json(r).get("status").asText()).isEqualTo("running"));
      assertThat(answers).filteredOn(r -> r.statusCode() != 202).hasSizeGreaterThanOrEqualTo(3).allSatisfy(r -> {
        assertThat(r.statusCode()).isIn(429, 503);
        if (r.statusCode() == 503) {
          assertThat(json(r).get("reason").asText()).isEqualTo("jobs_degraded");
          assertThat(r.headers().firstValue("Retry-After")).hasValue("5");
        }
      });
    }
    String degradedBuild = json(answersA.stream().filter(r -> r.statusCode() == 202).findFirst().orElseThrow())
        .get("build_id").asText();
    assertThat(clientA.get("/builds/" + degradedBuild).statusCode()).isEqualTo(200);
    var ready = json(adminA.get("/health/ready"));
    assertThat(ready.get("status").asText()).isEqualTo("DEGRADED");
    assertThat(ready.at("/dependencies/jobs/degraded").asBoolean()).isTrue();
    assertThat(ready.at("/dependencies/jobs/failure_mode").asText()).isEqualTo("local");
    assertThat(ready.at("/dependencies/jobs/degraded_builds").asInt()).isEqualTo(2);
    String metrics = adminA.get("/metrics").body();
    assertThat(metrics).contains("jobs_degraded 1.0").contains("jobs_failure_mode{mode=\"local\"} 1.0");

    // When Redis answers again
    redis.thaw();

    // Then both replicas write back what they admitted: Redis counts every build that runs
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(json(clientA.get("/health/ready")).get("status").asText()).isEqualTo("UP");
      assertThat(json(clientB.get("/health/ready")).get("status").asText()).isEqualTo("UP");
    });
    for (var answers : List.of(answersA, answersB)) {
      for (var admitted : answers.stream().filter(r -> r.statusCode() == 202).toList()) {
        String id = json(admitted).get("build_id").asText();
        assertThat(Resp.call(redis.port(), "ZSCORE", "sluice:jobs:{jobs}:ns:default:slots", id)).as("lease of " + id)
            .isNotNull();
      }
    }
    var elsewhere = clientB.get("/builds/" + degradedBuild);
    assertThat(elsewhere.statusCode()).isEqualTo(200);
    assertThat(json(elsewhere).get("status").asText()).isEqualTo("running");
    var ratelimits = json(adminB.get("/ratelimits"));
    assertThat(ratelimits.at("/jobs/failure_mode").asText()).isEqualTo("local");
    // 6 running; a start refused while Redis stalled may hold a slot until its lease expires
    assertThat(ratelimits.at("/jobs/namespaces/default/slots_used").asInt()).isGreaterThanOrEqualTo(CAP);
    // and the next start waits for a slot instead of running a seventh build
    var next = clientB.send(clientB.buildStart(replicas.parser()));
    assertThat(next.statusCode()).isEqualTo(202);
    assertThat(json(next).get("status").asText()).isEqualTo("queued");
  }

  private List<HttpResponse<String>> startsUntilDegraded(Replica replica) {
    List<HttpResponse<String>> answers = new ArrayList<>();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      if (json(replica.admin().get("/health/ready")).at("/dependencies/redis/degraded").asBoolean()) {
        return true;
      }
      answers.add(replica.client().send(replica.client().buildStart(replicas.parser())));
      return false;
    });
    return answers;
  }

  private List<HttpResponse<String>> starts(HttpTestClient client, int count) {
    List<HttpResponse<String>> answers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      answers.add(client.send(client.buildStart(replicas.parser())));
    }
    return answers;
  }
}
