package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;

import java.time.Duration;

/**
 * Sustained mixed traffic for {@code sluice.duration} seconds (60): {@code sluice.wellBehaved.count}
 * (50) third parties at {@code sluice.wellBehaved.rps} (2/s) each, all admitted, and {@code
 * sluice.abusive.count} (2) at {@code sluice.abusive.rps} (50/s) each, held to their own bucket. No
 * 5xx; the harness checks every level's admitted total against its bucket bound.
 */
public class SustainedMixedSimulation extends SluiceSimulation {
  {
    Traffic t = new Traffic();
    Duration d = Duration.ofSeconds(Params.integer("sluice.duration", 60));
    setUp(warmUp().andThen(
            t.wellBehaved().injectOpen(nothingFor(SETTLE), constantUsersPerSec(t.wellBehavedTotal()).during(d)),
            t.abusive().injectOpen(nothingFor(SETTLE), constantUsersPerSec(t.abusiveTotal()).during(d))))
        .protocols(Requests.protocol())
        .assertions(
            global().failedRequests().count().is(0L),
            details(Traffic.WELL_BEHAVED).failedRequests().count().is(0L),
            details(Traffic.WELL_BEHAVED).responseTime().percentile(99.0)
                .lt(Params.integer("sluice.p99MaxMs", 5000)));
  }
}
