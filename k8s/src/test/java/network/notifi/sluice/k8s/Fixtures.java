package network.notifi.sluice.k8s;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.jobs.Build;

/** Settings and builds shared by the module's tests: short intervals so real time passes quickly. */
final class Fixtures {

  private static final AtomicInteger UNIQUE = new AtomicInteger();

  private Fixtures() {}

  static K8sConfig config(String apiUrl) {
    return K8sConfig.defaults()
        .withApiUrl(apiUrl)
        .withNamespaces(Set.of())
        .withWatch(false)
        .withReconcile(Duration.ofMillis(200), Duration.ofSeconds(1))
        .withResilience(K8sResilience.defaults()
            .withBreaker(10, 5, Duration.ofSeconds(1))
            .withCallTimeout(Duration.ofSeconds(2)));
  }

  static String fresh(String prefix) {
    return prefix + "-" + Long.toString(System.nanoTime(), 36) + "-" + UNIQUE.incrementAndGet();
  }

  static Build running(String namespace, String parser) {
    return Build.queued(fresh("b"), parser, namespace, Optional.of("customer 1/ä"), Instant.now())
        .running(Instant.now());
  }
}
