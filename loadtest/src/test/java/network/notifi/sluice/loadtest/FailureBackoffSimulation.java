package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.asLongAs;
import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import java.time.Duration;

/**
 * Seed scenario 4: a parser whose build fails ({@code sluice.failingParser}, the harness's build
 * command exits 1 for parsers named {@code broken-*}) is started; once its build has failed, the next
 * start of the same parser (on another replica, behind the balancer) is refused with 429 {@code
 * build_backoff}, while another parser still starts.
 */
public class FailureBackoffSimulation extends SluiceSimulation {
  {
    String failing = Params.str("sluice.failingParser", "broken-parser-" + System.currentTimeMillis());
    int maxPolls = Params.integer("sluice.maxPolls", 100);
    setUp(scenario("failure backoff")
            .exec(session -> session.set("parser", failing))
            .exec(Requests.buildStart("first start", new int[] {202}))
            .exec(session -> session.set("state", "").set("polls", 0))
            .asLongAs(session -> !"failed".equals(session.getString("state"))
                    && session.getInt("polls") < maxPolls)
            .on(exec(http("build status")
                    .get("/builds/#{buildId}")
                    .check(status().is(200), jsonPath("$.status").saveAs("state")))
                .exec(session -> session.set("polls", session.getInt("polls") + 1))
                .pause(Duration.ofMillis(200)))
            .exec(session -> session.set("parser", failing))
            .exec(Requests.buildStart("start inside the backoff window", new int[] {429}, "build_backoff"))
            .exec(Requests.buildStart("another parser", new int[] {202}))
            .injectOpen(atOnceUsers(1)))
        .protocols(Requests.protocol())
        .assertions(
            global().failedRequests().count().is(0L),
            details("start inside the backoff window").successfulRequests().count().is(1L),
            details("another parser").successfulRequests().count().is(1L));
  }
}
