package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.atOnceUsers;
import static io.gatling.javaapi.core.CoreDsl.constantUsersPerSec;
import static io.gatling.javaapi.core.CoreDsl.scenario;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.PopulationBuilder;
import io.gatling.javaapi.core.Simulation;
import java.time.Duration;

/** A simulation whose outcomes are counted in {@link Tally} from a clean slate and written at the end. */
public abstract class SluiceSimulation extends Simulation {
  @Override
  public void before() {
    Tally.reset();
  }

  @Override
  public void after() {
    Tally.write();
  }

  /**
   * The load generator's warm-up, to run before the measured scenarios ({@code
   * warmUp().andThen(...)}): {@code GET /health/live} and {@link Requests#warmUpStart} (a build
   * start refused as {@code text/plain} before the limiter) by 50 users a second for {@code
   * sluice.warmUpSeconds} (3), which no limit counts. Gatling's own start (class loading, JIT, connection set-up) takes more CPU
   * than the replicas in its first seconds, and here they share two cores: a burst sent at once from a
   * cold Gatling measures Gatling. Warm-up requests are not counted in {@link Tally}; assertions name
   * their requests so that the warm-up's cannot dilute them.
   */
  protected static PopulationBuilder warmUp() {
    return warmUp(0);
  }

  /**
   * {@link #warmUp()}, ending with {@code connections} users at once, so that the shared pool holds
   * that many open keep-alive connections when the measured scenario starts: a burst of that many
   * requests is then sent as a caller with a warm connection pool sends it, instead of opening a
   * connection per request first. With {@code -Dsluice.openConnections=false} it opens none, and the
   * burst pays Gatling's connection set-up (about 1 ms per connection here, most of the burst's
   * send spread).
   */
  protected static PopulationBuilder warmUp(int connections) {
    int seconds = Params.integer("sluice.warmUpSeconds", 3);
    boolean open = connections > 0 && Boolean.parseBoolean(Params.str("sluice.openConnections", "true"));
    var steady = constantUsersPerSec(50).during(Duration.ofSeconds(Math.max(1, seconds)));
    var scenario = scenario("load generator warm-up")
        .exec(http("warm-up").get("/health/live").check(status().is(200)))
        .exec(Requests.warmUpStart());
    return open ? scenario.injectOpen(steady, atOnceUsers(connections)) : scenario.injectOpen(steady);
  }

  /** Quiet time between the warm-up and the measured traffic, for the JIT queue to drain. */
  protected static final Duration SETTLE = Duration.ofSeconds(1);
}
