package network.notifi.sluice.loadtest.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The short form of the seed's four scenarios, in the normal test suite: the harness starts the
 * servers itself, runs each simulation through Gatling in this JVM, checks Gatling's assertions and
 * the cross-replica bounds, and stops everything. The topology is the harness's own: a Redis
 * Cluster, three replicas and nginx in front. Without nginx installed (CI installs Debian's
 * nginx-light) Gatling's virtual users take the replicas in turn instead; without redis-server, or
 * with {@code -Dsluice.loadtest.topology=embedded}, one embedded replica runs the scenarios.
 */
class SeedScenariosShortTest {
  private static final Path JAR = Path.of("../api/target/sluice.jar");

  @TestFactory
  Stream<DynamicTest> seedScenariosKeepTheirLimitsAcrossReplicas() throws Exception {
    assertThat(JAR).as("the service jar, built by the api module before this one").isRegularFile();
    Harness.Options o = new Harness.Options();
    // Three replicas once the jar shares buckets and build admission through Redis (an older jar
    // would rightly fail the cross-replica checks). -Dsluice.loadtest.topology=embedded|cluster
    // forces one (auto by default).
    String forced = System.getProperty("sluice.loadtest.topology", "auto");
    boolean full = "cluster".equals(forced) || ("auto".equals(forced) && Harness.jarHasRedis(JAR)
        && Harness.jarSharesJobs(JAR) && onPath("redis-server"));
    boolean behindNginx = full && Nginx.binary() != null;
    if (!full) {
      o.embedded();
    } else if (Nginx.binary() == null) {
      o.nginx = false;
    }
    o.shortForm = true;
    o.scenarios = List.of("seed");
    o.jar = JAR;
    o.workDir = Path.of("target/harness");
    o.resultsDir = Path.of("target/gatling");
    o.gatlingInProcess = true;
    List<Harness.ScenarioResult> results = new Harness(o, System.out).run();
    return results.stream().map(r -> DynamicTest.dynamicTest(
        r.id() + (behindNginx ? " (Redis Cluster, 3 replicas, nginx)"
            : full ? " (Redis Cluster, 3 replicas, no balancer)" : " (embedded)"), () -> {
          assumeFalse("SKIPPED".equals(r.status()), r.note());
          assertThat(r.checks()).as(r.id() + ":\n" + r.checks().stream().map(Check::toString)
                  .collect(Collectors.joining("\n")))
              .isNotEmpty()
              .allMatch(Check::ok);
        }));
  }

  private static boolean onPath(String command) {
    return Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(d -> Files.isExecutable(Path.of(d, command)));
  }
}
