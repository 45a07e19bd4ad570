package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.nothingFor;
import static io.gatling.javaapi.core.CoreDsl.details;
import static io.gatling.javaapi.core.CoreDsl.global;
import static io.gatling.javaapi.core.CoreDsl.scenario;


/**
 * Seed scenario 2: {@code sluice.requests} (30) build starts at once from one third party
 * ({@code customer-123}): its bucket admits its burst plus refill, the rest get 429 {@code
 * third_party}. At the same moment {@code sluice.others} (5) starts from another third party
 * ({@code customer-456}) are all admitted: one third party's flood is not felt by another.
 */
public class ThirdPartyBurstSimulation extends SluiceSimulation {
  {
    int requests = Params.integer("sluice.requests", 30);
    int others = Params.integer("sluice.others", 5);
    String abuser = Params.str("sluice.abuser", "customer-123");
    String other = Params.str("sluice.other", "customer-456");
    setUp(warmUp(requests + others).andThen(
            scenario("one third party's burst")
                .exec(session -> session.set("tp", abuser))
                .exec(Requests.buildStart("flooding third party", new int[] {202, 429}, "third_party"))
                .injectOpen(nothingFor(SETTLE), atOnceUsers(requests)),
            scenario("another third party")
                .exec(session -> session.set("tp", other))
                .exec(Requests.buildStart("other third party", new int[] {202}))
                .injectOpen(nothingFor(SETTLE), atOnceUsers(others))))
        .protocols(Requests.protocol())
        .assertions(
            global().failedRequests().count().is(0L),
            details("other third party").successfulRequests().count().is((long) others),
            details("flooding third party").responseTime().percentile(99.0).lt(Params.integer("sluice.p99MaxMs", 5000)),
            details("other third party").responseTime().percentile(99.0).lt(Params.integer("sluice.p99MaxMs", 5000)));
  }
}
