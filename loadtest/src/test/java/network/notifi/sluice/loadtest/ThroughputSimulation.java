package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantConcurrentUsers;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.feed;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import java.time.Duration;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Closed-model throughput, run by hand with Gatling (`loadtest/run.sh bench` measures with wrk instead): {@code sluice.users} (32) users in a loop
 * for {@code sluice.duration} seconds (20) against {@code sluice.target}: {@code live} (the bare
 * {@code GET /health/live}) or {@code events} (a build start through every limiter level, from
 * {@code sluice.thirdParties} (1000) distinct third parties round-robin; run it with limits high
 * enough that everything is admitted, so the numbers are the limiter's cost, not refusals'). Every
 * start names the same parser ({@code sluice.parser}): with build admission wired, the first starts a
 * build and the rest are answered as duplicates (200), so the run measures the admission path without
 * launching thousands of builds.
 */
public class ThroughputSimulation extends SluiceSimulation {
  {
    int users = Params.integer("sluice.users", 32);
    Duration d = Duration.ofSeconds(Params.integer("sluice.duration", 20));
    int thirdParties = Params.integer("sluice.thirdParties", 1000);
    String target = Params.str("sluice.target", "live");
    String parser = Params.str("sluice.parser", "slow-bench-parser");
    ChainBuilder step =
        "events".equals(target)
            ? exec(session -> session.set("parser", parser))
                .exec(Requests.buildStart("build.start", new int[] {200, 202}))
            : exec(session -> {
                  Tally.sent();
                  return session.set("t0", System.nanoTime()).remove("status");
                })
                .exec(http("health.live").get("/health/live").check(status().is(200).saveAs("status")))
                .exec(session -> {
                  Tally.answered("health.live", session.contains("status") ? "200" : "KO",
                      (System.nanoTime() - session.getLong("t0")) / 1000);
                  return session;
                });
    var feeder = Stream.generate(() -> IntStream.range(0, thirdParties).boxed())
        .flatMap(s -> s)
        .map(i -> Map.<String, Object>of("tp", "bench-tp-" + i))
        .iterator();
    setUp(scenario("throughput " + target)
            .during(d).on(feed(feeder).exec(step))
            .injectClosed(constantConcurrentUsers(users).during(d)))
        .protocols(Requests.protocol())
        .assertions(global().failedRequests().count().is(0L));
  }
}
