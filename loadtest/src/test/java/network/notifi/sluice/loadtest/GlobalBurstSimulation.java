package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;


/**
 * Seed scenario 1: a burst of {@code sluice.requests} (200) build starts at once, with no third-party
 * identity. The endpoint and global buckets admit their burst plus what refills while the burst is
 * in flight; the rest are refused with 429 ({@code reason} endpoint or global). Nothing else, above
 * all no 5xx. The admitted count is checked against the bucket bound by the harness from {@link
 * Tally} and the replicas' metrics.
 */
public class GlobalBurstSimulation extends SluiceSimulation {
  {
    int requests = Params.integer("sluice.requests", 200);
    setUp(warmUp(requests).andThen(scenario("global burst")
            .exec(Requests.buildStart("build.start", new int[] {202, 429}, "endpoint", "global"))
            .injectOpen(nothingFor(SETTLE), atOnceUsers(requests))))
        .protocols(Requests.protocol())
        .assertions(
            global().failedRequests().count().is(0L),
            details("build.start").responseTime().percentile(99.0).lt(Params.integer("sluice.p99MaxMs", 5000)));
  }
}
