package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.kubernetes.client.openapi.ApiException;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.k8s.internal.Labels;
import network.notifi.sluice.k8s.testing.FaultProxy.Mode;
import network.notifi.sluice.k8s.testing.TestApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Retries, breaker, bulkhead and timeouts against real HTTP faults from the proxy. */
class ResilienceTest {

  private TestApiServer server;
  private KubernetesJobLauncher launcher;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final List<JobOutcome> outcomes = new CopyOnWriteArrayList<>();
  private final List<long[]> retryWaits = new CopyOnWriteArrayList<>();
  private final List<CircuitBreaker.StateTransition> transitions = new CopyOnWriteArrayList<>();
  private final String ns = Fixtures.fresh("ns");

  @BeforeEach
  void start() {
    server = TestApiServer.start();
  }

  @AfterEach
  void stop() {
    if (launcher != null) {
      launcher.close();
    }
    server.close();
  }

  /** The default breaker (20 calls, opens from 10) open for 1s: a blip is retried, an outage opens it. */
  private void launcher(Duration callTimeout) {
    K8sConfig config = Fixtures.config(server.url())
        .withResilience(K8sResilience.defaults()
            .withBreaker(20, 10, Duration.ofSeconds(1))
            .withCallTimeout(callTimeout));
    launcher = KubernetesJobLauncher.builder(config, server.client()).meterRegistry(registry).build();
    launcher.addListener(outcomes::add);
    launcher.resilience().retry().getEventPublisher().onRetry(e ->
        retryWaits.add(new long[] {e.getNumberOfRetryAttempts(), e.getWaitInterval().toMillis()}));
    launcher.resilience().breaker().getEventPublisher().onStateTransition(e -> transitions.add(e.getStateTransition()));
    launcher.start();
  }

  @Test
  void apiFaultsDuringThirtyBuildsLoseNoBuildAndRunEachExactlyOnce() {
    launcher(Duration.ofSeconds(2));
    // Ten seconds of trouble: 503s, dropped connections, answers slower than the call timeout, 500s.
    server.proxy().slowBy(Duration.ofMillis(2500));
    server.proxy().faultInTurn(Duration.ofMillis(2500), Mode.ERROR_503, Mode.DROP, Mode.SLOW, Mode.ERROR_500);
    List<Build> builds = new ArrayList<>();
    try (RequeueingDriver driver = new RequeueingDriver(launcher, 8)) {
      for (int i = 0; i < 30; i++) {
        Build build = Fixtures.running(ns, "parser-" + i);
        builds.add(build);
        driver.submit(build);
      }

      long t0 = System.nanoTime();
      await().atMost(Duration.ofSeconds(60)).until(() -> driver.started().size() == 30);
      System.out.printf("all 30 started after %d ms; %d deferrals seen last per build: %s%n",
          (System.nanoTime() - t0) / 1_000_000, driver.deferrals().size(), Set.copyOf(driver.deferrals().values()));

      assertThat(driver.failed()).isEmpty();
      assertThat(driver.deferrals()).containsValue(DeferralReasons.API_UNAVAILABLE);
      assertThat(driver.pausedTicks()).as("the driver paused while the breaker was open").isPositive();
    }
    // One Job per build id, none extra.
    Map<String, Long> jobsPerBuild = server.jobs(ns).stream()
        .collect(Collectors.groupingBy(j -> j.getMetadata().getAnnotations().get(Labels.BUILD_ID), Collectors.counting()));
    assertThat(jobsPerBuild).hasSize(30).allSatisfy((id, count) -> assertThat(count).isEqualTo(1L));
    assertThat(jobsPerBuild.keySet()).containsExactlyInAnyOrderElementsOf(builds.stream().map(Build::id).toList());

    // The breaker opened during the outage and closed after it.
    assertThat(transitions).contains(CircuitBreaker.StateTransition.CLOSED_TO_OPEN);
    await().atMost(Duration.ofSeconds(10)).until(() -> launcher.health().available());
    // Retries waited longer each time, with jitter: base 100ms x2, +-50%.
    Map<Long, List<Long>> waitsByAttempt = retryWaits.stream()
        .collect(Collectors.groupingBy(w -> w[0], Collectors.mapping(w -> w[1], Collectors.toList())));
    assertThat(waitsByAttempt).containsKey(1L);
    assertWaitsGrowWithJitter(waitsByAttempt);
    assertThat(registry.get("retry_attempts_total").tag("success", "false").counter().count()).isPositive();
    System.out.printf("30 builds under 10s of faults: retry waits by attempt (ms) %s; breaker %s;"
            + " retries ok=%.0f failed=%.0f; proxy faulted %d of %d requests%n",
        waitsByAttempt.entrySet().stream().map(e -> e.getKey() + ": n=" + e.getValue().size() + " mean="
            + Math.round(average(e.getValue())) + " min=" + e.getValue().stream().mapToLong(Long::longValue).min().orElse(0)
            + " max=" + e.getValue().stream().mapToLong(Long::longValue).max().orElse(0)).toList(),
        transitions, registry.get("retry_attempts_total").tag("success", "true").counter().count(),
        registry.get("retry_attempts_total").tag("success", "false").counter().count(),
        server.proxy().faulted(), server.proxy().requests());

    // Every build then runs to its end exactly once.
    builds.forEach(b -> server.complete(ns, JobSpecFactory.jobName(b.id())));
    await().atMost(Duration.ofSeconds(10)).until(() -> outcomes.size() >= 30);
    Map<String, List<JobOutcome>> byBuild = outcomes.stream().collect(Collectors.groupingBy(JobOutcome::buildId));
    assertThat(byBuild).hasSize(30).allSatisfy((id, list) -> {
      assertThat(list).hasSize(1);
      assertThat(list.get(0).succeeded()).isTrue();
    });
  }

  @Test
  void retriesWaitLongerEachTimeWithJitter() {
    K8sConfig config = Fixtures.config(server.url())
        .withResilience(K8sResilience.defaults().withBreaker(100, 100, Duration.ofSeconds(1)));
    launcher = KubernetesJobLauncher.builder(config, server.client()).build();
    launcher.resilience().retry().getEventPublisher().onRetry(e ->
        retryWaits.add(new long[] {e.getNumberOfRetryAttempts(), e.getWaitInterval().toMillis()}));
    server.proxy().fault(Mode.ERROR_503);

    assertThatThrownBy(() -> launcher.launch(Fixtures.running(ns, "unlucky")).join())
        .hasCauseInstanceOf(LaunchDeferredException.class);

    Map<Long, List<Long>> waitsByAttempt = retryWaits.stream()
        .collect(Collectors.groupingBy(w -> w[0], Collectors.mapping(w -> w[1], Collectors.toList())));
    assertThat(waitsByAttempt).containsOnlyKeys(1L, 2L, 3L);
    assertWaitsGrowWithJitter(waitsByAttempt);
    assertThat(waitsByAttempt.get(3L).get(0)).isGreaterThan(waitsByAttempt.get(1L).get(0));
  }

  /** Retry n waits 100ms x 2^(n-1), +-50%: the bands [50,150], [100,300], [200,600] rise. */
  private void assertWaitsGrowWithJitter(Map<Long, List<Long>> waitsByAttempt) {
    waitsByAttempt.forEach((attempt, waits) -> {
      long nominal = 100L << (attempt - 1);
      assertThat(waits).allSatisfy(w -> assertThat(w).isBetween(nominal / 2, nominal * 3 / 2 + 1));
    });
    assertThat(retryWaits).as("jittered, not the bare nominal delays")
        .anyMatch(w -> w[1] != 100L << (w[0] - 1));
  }

  @Test
  void createThatTimesOutIsRetriedAndFindsItsOwnJob() {
    launcher(Duration.ofMillis(500));
    server.proxy().slowBy(Duration.ofMillis(900));
    Build build = Fixtures.running(ns, "slow-create");

    faultWhile(Mode.SLOW, () -> launcher.launch(build)).join();

    assertThat(server.jobs(ns)).hasSize(1);
    assertThat(retryWaits).isNotEmpty();
    assertThat(registry.get("retry_attempts_total").tag("success", "true").counter().count()).isPositive();
  }

  @Test
  void droppedConnectionsAreRetried() {
    launcher(Duration.ofSeconds(2));
    Build build = Fixtures.running(ns, "dropped");

    faultWhile(Mode.DROP, () -> launcher.launch(build)).join();

    assertThat(server.jobs(ns)).hasSize(1);
    assertThat(retryWaits).isNotEmpty();
  }

  @Test
  void tooManyRequestsIsRetried() {
    launcher(Duration.ofSeconds(2));
    faultWhile(Mode.ERROR_429, () -> launcher.launch(Fixtures.running(ns, "throttled"))).join();

    assertThat(server.jobs(ns)).hasSize(1);
    assertThat(retryWaits).isNotEmpty();
  }

  @Test
  void clientErrorsAreNotRetriedAndFailTheLaunch() {
    launcher(Duration.ofSeconds(2));
    server.proxy().fault(Mode.ERROR_400);

    assertThatThrownBy(() -> launcher.launch(Fixtures.running(ns, "bad")).join())
        .isInstanceOf(CompletionException.class)
        .hasCauseInstanceOf(ApiException.class);
    assertThat(retryWaits).isEmpty();
    assertThat(launcher.health().available()).as("4xx do not count against the API").isTrue();
  }

  @Test
  void exceededQuotaFromTheApiSendsTheBuildBackWithReasonQuota() {
    launcher(Duration.ofSeconds(2));
    server.proxy().fault(Mode.QUOTA_403);

    assertThatThrownBy(() -> launcher.launch(Fixtures.running(ns, "over-quota")).join())
        .hasCauseInstanceOf(LaunchDeferredException.class)
        .cause().extracting(e -> ((LaunchDeferredException) e).reason()).isEqualTo("quota");
  }

  @Test
  void openBreakerDefersLaunchesAndReportsDegradedHealth() {
    launcher(Duration.ofSeconds(2));
    server.proxy().fault(Mode.ERROR_500);

    List<CompletableFuture<Void>> launches = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      launches.add(launcher.launch(Fixtures.running(ns, "during-outage-" + i)));
    }
    launches.forEach(l -> assertThatThrownBy(l::join).hasCauseInstanceOf(LaunchDeferredException.class));
    await().atMost(Duration.ofSeconds(20)).until(() -> !launcher.health().available());
    assertThat(launcher.health().breakerState()).isIn("open", "half_open");

    assertThatThrownBy(() -> launcher.launch(Fixtures.running(ns, "while-open")).join())
        .hasCauseInstanceOf(LaunchDeferredException.class)
        .cause().extracting(e -> ((LaunchDeferredException) e).reason()).isEqualTo("kubernetes_unavailable");
    assertThat(registry.find("resilience4j.circuitbreaker.state").gauges()).isNotEmpty();

    server.proxy().pass();
    await().atMost(Duration.ofSeconds(10)).until(() -> launcher.health().available()
        && launcher.health().breakerState().equals("closed"));
  }

  /** Faults every request from now until the proxy has faulted two of them, then passes again. */
  private <T> CompletableFuture<T> faultWhile(Mode mode, Supplier<CompletableFuture<T>> action) {
    long before = server.proxy().faulted();
    server.proxy().fault(mode);
    CompletableFuture<T> result = action.get();
    await().atMost(Duration.ofSeconds(10)).until(() -> server.proxy().faulted() >= before + 2);
    server.proxy().pass();
    return result;
  }

  private static double average(List<Long> values) {
    return values.stream().mapToLong(Long::longValue).average().orElse(0);
  }

}
