package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;


/**
 * Seed scenario 3: {@code sluice.requests} (15) starts of distinct parsers ({@code slow-*}: the
 * harness's build command runs them for {@code sluice.jobSeconds}) at once in one namespace
 * with {@code max_concurrent_jobs} 10: 202 {@code running} for as many as there are slots, 202
 * {@code queued} (queue mode) or 503 {@code job_limit} (reject mode) for the rest. The harness checks
 * the split from {@link Tally} and samples {@code concurrent_jobs_active} on every replica to check
 * the cap is never exceeded.
 */
public class JobLimitSimulation extends SluiceSimulation {
  {
    int requests = Params.integer("sluice.requests", 15);
    setUp(warmUp().andThen(scenario("concurrent job limit")
            .exec(session -> session.set("parserPrefix", "slow-"))
            .exec(Requests.buildStart("build.start", new int[] {202, 503}, "job_limit"))
            .injectOpen(nothingFor(SETTLE), atOnceUsers(requests))))
        .protocols(Requests.protocol())
        .assertions(global().failedRequests().count().is(0L));
  }
}
