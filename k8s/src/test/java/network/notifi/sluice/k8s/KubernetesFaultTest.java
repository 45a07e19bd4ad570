package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.kubernetes.client.openapi.models.V1Job;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.jobs.AdmissionResult;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.jobs.BuildRequest;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.OnCapacity;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.k8s.internal.JobStates;
import network.notifi.sluice.k8s.internal.Labels;
import network.notifi.sluice.k8s.testing.FaultProxy.Mode;
import network.notifi.sluice.k8s.testing.TestApiServer;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The fault suite's short form: builds through admission and this launcher while the API stand-in
 * misbehaves (through its fault proxy) or a replica stops mid-burst. A stand-in "Job controller"
 * completes each Job 300 ms after it appears. Every run checks the invariants of
 * docs/architecture.md: every accepted build ends exactly once (lost 0), one Job per build and per
 * parser (duplicates 0), and never more Jobs running than the cap (sampled every 20 ms).
 */
class KubernetesFaultTest {

  private static final int CAP = 3;
  private static final Duration LEASE = Duration.ofSeconds(3);
  private static final Duration JOB_RUNS_FOR = Duration.ofMillis(300);

  private TestApiServer server;
  private final JobStores stores = InProcessStores.create(Clock.systemUTC());
  private final List<BuildAdmission> replicas = new ArrayList<>();
  private final String ns = Fixtures.fresh("ns");
  private final ScheduledExecutorService controller = Executors.newSingleThreadScheduledExecutor();
  private final Map<String, Long> firstSeen = new ConcurrentHashMap<>();
  private final AtomicInteger peakRunning = new AtomicInteger();
  private volatile boolean jobsEnd = true;

  @BeforeEach
  void start() {
    server = TestApiServer.start();
    controller.scheduleWithFixedDelay(this::controlJobs, 20, 20, TimeUnit.MILLISECONDS);
  }

  @AfterEach
  void stop() {
    controller.shutdownNow();
    replicas.forEach(BuildAdmission::close);
    server.close();
  }

  @Test
  void slowApiOneSecondPerCallLosesNoBuildAndStaysUnderTheCap() {
    BuildAdmission replica = replica(OnCapacity.QUEUE, Fixtures.config(server.url()));
    server.proxy().slowBy(Duration.ofSeconds(1));
    server.proxy().fault(Mode.SLOW);

    List<Build> accepted = burst(replica, "slow", 6);
    server.proxy().pass();

    assertInvariants(replica, accepted, 6);
  }

  @Test
  void apiAnswering500sDefersBuildsWhichStartOnceItAnswers() {
    BuildAdmission replica = replica(OnCapacity.QUEUE, Fixtures.config(server.url()));
    server.proxy().onlyFor("POST");
    server.proxy().fault(Mode.ERROR_500, Duration.ofMillis(1500));

    List<Build> accepted = burst(replica, "err", 6);

    assertInvariants(replica, accepted, 6);
  }

  @Test
  void createThatTimesOutAfterTheJobWasCreatedStartsTheBuildOnceAndARetryMakesNoSecondJob() {
    // No retries, so the launcher sees only the timeout; each create reaches the API server.
    K8sConfig k8s = Fixtures.config(server.url())
        .withResilience(Fixtures.config(server.url()).resilience().withRetries(0));
    BuildAdmission replica = replica(OnCapacity.REJECT, k8s);
    server.proxy().onlyFor("POST");
    server.proxy().slowBy(Duration.ofMillis(2500));
    server.proxy().fault(Mode.LATE);
    jobsEnd = false; // the builds run until the client's retries are answered

    List<AdmissionResult> results = new ArrayList<>();
    for (int i = 0; i < CAP; i++) {
      results.add(replica.start(BuildRequest.of("late-" + i, ns, "customer-1")).join());
    }
    // The client retries each build, as it would after a timeout of its own
    List<AdmissionResult> retries = new ArrayList<>();
    for (int i = 0; i < CAP; i++) {
      retries.add(replica.start(BuildRequest.of("late-" + i, ns, "customer-1")).join());
    }
    server.proxy().pass();
    jobsEnd = true;

    assertThat(results).allSatisfy(r -> assertThat(r).isInstanceOf(AdmissionResult.Started.class));
    assertThat(retries).allSatisfy(r -> assertThat(r).isInstanceOf(AdmissionResult.AlreadyActive.class));
    List<Build> accepted = results.stream().map(r -> ((AdmissionResult.Started) r).build()).toList();
    assertInvariants(replica, accepted, CAP);
  }

  @Test
  void sigtermDuringABurstLeavesJobsRunningForTheOtherReplicaAndLosesNothing() {
    BuildAdmission stopping = replica(OnCapacity.QUEUE, Fixtures.config(server.url()));
    BuildAdmission staying = replica(OnCapacity.QUEUE, Fixtures.config(server.url()));

    List<CompletableFuture<AdmissionResult>> burst = new ArrayList<>();
    for (int i = 0; i < 8; i++) {
      burst.add(stopping.start(BuildRequest.of("term-" + i, ns, "customer-" + (i % 2))));
    }
    List<Build> accepted = accepted(burst);
    await().atMost(Duration.ofSeconds(10)).until(() -> !server.jobs(ns).isEmpty());
    stopping.close(); // what SIGTERM does to admission
    replicas.remove(stopping);

    assertInvariants(staying, accepted, 8);
  }

  private BuildAdmission replica(OnCapacity onCapacity, K8sConfig k8s) {
    // The test's namespace is a configured one: the dispatcher drains only those.
    JobsConfig jobs = JobsConfig.defaults().withDefaultNamespace(ns).withMaxConcurrentJobs(CAP)
        .withOnCapacity(onCapacity).withLeaseDuration(LEASE).withDispatchInterval(Duration.ofMillis(200));
    KubernetesJobLauncher launcher = KubernetesJobLauncher
        .builder(k8s.withNamespaces(Set.of(ns)), server.client())
        .reconcileSlots(stores.slots(), LEASE)
        .build();
    BuildAdmission admission = BuildAdmission.create(jobs, stores, launcher, Clock.systemUTC(), new SimpleMeterRegistry());
    launcher.start();
    admission.startDispatcher();
    replicas.add(admission);
    return admission;
  }

  /** Starts {@code n} builds of distinct parsers at once; the accepted ones (202: started or queued). */
  private List<Build> burst(BuildAdmission replica, String prefix, int n) {
    List<CompletableFuture<AdmissionResult>> burst = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      burst.add(replica.start(BuildRequest.of(prefix + "-" + i, ns, "customer-" + (i % 2))));
    }
    return accepted(burst);
  }

  private static List<Build> accepted(List<CompletableFuture<AdmissionResult>> burst) {
    List<Build> accepted = new ArrayList<>();
    for (var answer : burst) {
      AdmissionResult result = answer.join();
      if (result instanceof AdmissionResult.Started started) {
        accepted.add(started.build());
      } else if (result instanceof AdmissionResult.Queued queued) {
        accepted.add(queued.build());
      }
    }
    return accepted;
  }

  private void assertInvariants(BuildAdmission replica, List<Build> accepted, int expected) {
    try {
      await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(100)).until(() ->
          accepted.stream().allMatch(b -> !replica.status(b.id()).join().orElseThrow().state().isActive()));
    } catch (ConditionTimeoutException e) {
      // Counted and failed below, with the figures.
    }
    List<V1Job> jobs = server.jobs(ns);
    Map<String, Integer> jobsPerBuild = new HashMap<>();
    Map<String, Integer> jobsPerParser = new HashMap<>();
    for (V1Job job : jobs) {
      jobsPerBuild.merge(job.getMetadata().getAnnotations().get(Labels.BUILD_ID), 1, Integer::sum);
      jobsPerParser.merge(job.getMetadata().getLabels().get(Labels.PARSER_ID), 1, Integer::sum);
    }
    Map<BuildState, Long> states = new HashMap<>();
    accepted.forEach(b -> states.merge(replica.status(b.id()).join().orElseThrow().state(), 1L, Long::sum));
    long succeeded = states.getOrDefault(BuildState.SUCCEEDED, 0L);
    long ended = succeeded + states.getOrDefault(BuildState.FAILED, 0L);
    long duplicates = jobsPerBuild.values().stream().mapToLong(c -> c - 1).sum()
        + jobsPerParser.values().stream().mapToLong(c -> c - 1).sum();
    System.out.printf("invariants: accepted %d, ended %d (succeeded %d), jobs %d, duplicates %d, lost %d,"
            + " peak running %d <= cap %d%n", accepted.size(), ended, succeeded, jobs.size(), duplicates,
        expected - succeeded, peakRunning.get(), CAP);

    assertThat(accepted).hasSize(expected);
    assertThat(succeeded).as("accepted builds that ran and ended once; the rest are lost").isEqualTo(expected);
    assertThat(jobsPerBuild.keySet()).containsExactlyInAnyOrderElementsOf(accepted.stream().map(Build::id).toList());
    assertThat(duplicates).isZero();
    assertThat(peakRunning.get()).isLessThanOrEqualTo(CAP);
  }

  /** The stand-in Job controller: completes each Job a while after it appears; samples what runs. */
  private void controlJobs() {
    try {
      long now = System.nanoTime();
      int running = 0;
      for (V1Job job : server.jobs(ns)) {
        if (JobStates.isFinished(job)) {
          continue;
        }
        running++;
        long seen = firstSeen.computeIfAbsent(job.getMetadata().getName(), k -> now);
        if (jobsEnd && now - seen >= JOB_RUNS_FOR.toNanos()) {
          server.complete(ns, job.getMetadata().getName());
        }
      }
      peakRunning.accumulateAndGet(running, Math::max);
    } catch (RuntimeException e) {
      // The stand-in is closing; the next tick or the test's end decides.
    }
  }
}
