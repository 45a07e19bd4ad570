package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import network.notifi.sluice.jobs.AdmissionResult.AlreadyActive;
import network.notifi.sluice.jobs.AdmissionResult.Started;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Many threads at once: the slot limit holds, one active build per parser holds, every accepted build runs once. */
class BuildAdmissionConcurrencyTest {

  private static final int LIMIT = 5;

  private final MutableClock clock = new MutableClock();
  private final ScriptedLauncher launcher = new ScriptedLauncher();
  private final ExecutorService pool = Executors.newFixedThreadPool(16);
  private final BuildAdmission admission =
      BuildAdmission.create(
          JobsConfig.defaults().withMaxConcurrentJobs(LIMIT),
          InProcessStores.create(clock),
          launcher,
          clock,
          new SimpleMeterRegistry());

  @AfterEach
  void tearDown() {
    pool.shutdownNow();
    admission.close();
  }

  @Test
  void manyThreadsStartingAndEndingBuildsNeverExceedTheSlotLimitAndRunEveryBuildOnce() throws Exception {
    int builds = 400;
    CountDownLatch go = new CountDownLatch(1);
    List<Future<AdmissionResult>> results = new ArrayList<>();
    for (int i = 0; i < builds; i++) {
      String parser = "parser-" + i;
      String thirdParty = "customer-" + (i % 9);
      results.add(pool.submit(() -> {
        go.await();
        return admission.start(BuildRequest.of(parser).fromThirdParty(thirdParty)).get(10, TimeUnit.SECONDS);
      }));
    }
    AtomicBoolean starting = new AtomicBoolean(true);
    Future<?> ender = pool.submit(() -> {
      go.await();
      while (starting.get() || !launcher.running().isEmpty() || admission.usage("default").join().queued() > 0) {
        List<Build> running = launcher.running();
        if (!running.isEmpty()) {
          launcher.succeed(running.get(0));
        }
        Thread.onSpinWait();
      }
      return null;
    });

    go.countDown();
    for (Future<AdmissionResult> result : results) {
      assertThat(result.get(30, TimeUnit.SECONDS)).isNotInstanceOf(AdmissionResult.AtCapacity.class);
    }
    starting.set(false);
    ender.get(60, TimeUnit.SECONDS);

    assertThat(launcher.peakRunning()).isBetween(1, LIMIT);
    assertThat(launcher.launched()).hasSize(builds);
    assertThat(launcher.launched()).extracting(Build::id).doesNotHaveDuplicates();
    assertThat(admission.usage("default").join()).isEqualTo(new NamespaceUsage("default", 0, LIMIT, 0));
  }

  @Test
  void concurrentStartsOfOneParserLaunchOneBuild() throws Exception {
    CountDownLatch go = new CountDownLatch(1);
    List<Future<AdmissionResult>> results = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      results.add(pool.submit(() -> {
        go.await();
        return admission.start(BuildRequest.of("same-parser")).get(10, TimeUnit.SECONDS);
      }));
    }
    go.countDown();

    List<AdmissionResult> answers = new ArrayList<>();
    for (Future<AdmissionResult> result : results) {
      answers.add(result.get(30, TimeUnit.SECONDS));
    }

    assertThat(answers).filteredOn(Started.class::isInstance).hasSize(1);
    assertThat(answers).filteredOn(AlreadyActive.class::isInstance).hasSize(63);
    assertThat(launcher.launched()).hasSize(1);
    String id = launcher.launched().get(0).id();
    assertThat(answers)
        .filteredOn(AlreadyActive.class::isInstance)
        .allSatisfy(a -> assertThat(((AlreadyActive) a).build().id()).isEqualTo(id));
  }

  @Test
  void embeddedDefaultRunsBuildsAsLocalProcessesAndDrainsTheQueue() {
    JobsConfig config =
        JobsConfig.defaults()
            .withMaxConcurrentJobs(2)
            .withLocal(new JobsConfig.Local("echo \"building $PARSER_ID\"", Duration.ofMinutes(1), 4096));
    try (BuildAdmission embedded = BuildAdmission.embedded(config, new SimpleMeterRegistry())) {
      List<Build> builds = new ArrayList<>();
      for (int i = 0; i < 6; i++) {
        AdmissionResult result = embedded.start(BuildRequest.of("parser-" + i)).join();
        builds.add(result instanceof Started s ? s.build() : ((AdmissionResult.Queued) result).build());
      }

      await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> builds.stream()
              .allMatch(b -> embedded.status(b.id()).join().orElseThrow().state() == BuildState.SUCCEEDED));
      assertThat(embedded.usage("default").join()).isEqualTo(new NamespaceUsage("default", 0, 2, 0));
    }
  }
}
