package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;

import java.time.Duration;

/**
 * A spike: {@code sluice.steady} seconds (20) of the mixed traffic of {@link
 * SustainedMixedSimulation}, then {@code sluice.spike} seconds (10) at {@code sluice.factor} (10) times
 * the total rate, the extra coming from the abusive third parties, then {@code sluice.steady} seconds
 * again. The abusive share is refused by the third-party buckets, the well-behaved third parties are
 * all admitted at their rate throughout, and nothing answers 5xx.
 */
public class SpikeSimulation extends SluiceSimulation {
  {
    Traffic t = new Traffic();
    Duration steady = Duration.ofSeconds(Params.integer("sluice.steady", 20));
    Duration spike = Duration.ofSeconds(Params.integer("sluice.spike", 10));
    double factor = Params.dbl("sluice.factor", 10);
    double total = t.wellBehavedTotal() + t.abusiveTotal();
    double abusiveInSpike = factor * total - t.wellBehavedTotal();
    Duration all = steady.plus(spike).plus(steady);
    setUp(warmUp().andThen(
            t.wellBehaved().injectOpen(nothingFor(SETTLE), constantUsersPerSec(t.wellBehavedTotal()).during(all)),
            t.abusive().injectOpen(
                nothingFor(SETTLE),
                constantUsersPerSec(t.abusiveTotal()).during(steady),
                constantUsersPerSec(abusiveInSpike).during(spike),
                constantUsersPerSec(t.abusiveTotal()).during(steady))))
        .protocols(Requests.protocol())
        .assertions(
            global().failedRequests().count().is(0L),
            details(Traffic.WELL_BEHAVED).failedRequests().count().is(0L),
            details(Traffic.WELL_BEHAVED).responseTime().percentile(99.0)
                .lt(Params.integer("sluice.p99MaxMs", 5000)));
  }
}
