package network.notifi.sluice.loadtest;

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
    int seconds = Params.integer("sluice.warmUpSeconds", 3);
    return scenario("load generator warm-up")
        .exec(http("warm-up").get("/health/live").check(status().is(200)))
        .exec(Requests.warmUpStart())
        .injectOpen(constantUsersPerSec(50).during(Duration.ofSeconds(Math.max(1, seconds))));
  }

  /** Quiet time between the warm-up and the measured traffic, for the JIT queue to drain. */
  protected static final Duration SETTLE = Duration.ofSeconds(1);
}
