package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import network.notifi.sluice.jobs.AdmissionResult.AlreadyActive;
import network.notifi.sluice.jobs.AdmissionResult.BackingOff;
import network.notifi.sluice.jobs.AdmissionResult.Degraded;
import network.notifi.sluice.jobs.AdmissionResult.Queued;
import network.notifi.sluice.jobs.AdmissionResult.Started;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.spi.AdmissionAttempt;
import network.notifi.sluice.jobs.spi.AdmissionStep;
import network.notifi.sluice.jobs.spi.AdmissionStore;
import network.notifi.sluice.jobs.spi.BackoffStore;
import network.notifi.sluice.jobs.spi.BuildQueue;
import network.notifi.sluice.jobs.spi.BuildRecordStore;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.SharedStateHealth;
import network.notifi.sluice.jobs.spi.SlotStore;
import network.notifi.sluice.jobs.spi.StoreProxies;
import org.junit.jupiter.api.Test;

/**
 * The shared stores go down ({@code jobs.failure_mode: local}): each replica admits into its share
 * of what was free at the last count, refuses what would queue, and writes back what it admitted
 * once the stores answer, so that every build ends exactly once and counts against the cap.
 */
class DegradedAdmissionTest {

  private static final int CAP = 10;

  private final MutableClock clock = new MutableClock();
  private final ScriptedLauncher launcher = new ScriptedLauncher();
  private final AtomicBoolean down = new AtomicBoolean();
  private final AtomicInteger liveReplicas = new AtomicInteger(2);
  private final JobStores base = InProcessStores.create(clock);
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final JobsConfig config = JobsConfig.defaults().withMaxConcurrentJobs(CAP);

  @Test
  void eachReplicaAdmitsIntoItsShareOfWhatWasFreeAtTheLastCountAndRefusesWhatWouldQueue() {
    try (var admission = admission(JobsFailureMode.LOCAL)) {
      // Given 2 builds running at the last count, and 2 live replicas
      start(admission, "before-1");
      start(admission, "before-2");

      // When the stores go down and 8 more builds ask
      storesGoDown(admission);
      List<AdmissionResult> results = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        results.add(admission.start(BuildRequest.of("during-" + i)).join());
      }

      // Then this replica runs (10 - 2) / 2 = 4 of them and refuses the rest for a while
      assertThat(results).filteredOn(r -> r instanceof Started).hasSize(4);
      assertThat(results).filteredOn(r -> r instanceof Degraded).hasSize(4)
          .allSatisfy(r -> {
            assertThat(((Degraded) r).share()).isEqualTo(4);
            assertThat(r.retryAfter()).isEqualTo(Duration.ofSeconds(5));
          });
      assertThat(launcher.peakRunning()).isEqualTo(6);
      assertThat(admission.isDegraded()).isTrue();
    }
  }

  @Test
  void aBreakerThatOpensWhileTheJobStoresAnswerLeavesAdmissionOnTheStores() {
    var breakerOpen = new AtomicBoolean(false);
    try (var admission = BuildAdmission.create(config, stores(), launcher, clock, registry, JobsFailureMode.LOCAL,
        health(breakerOpen))) {
      for (int i = 0; i < CAP; i++) {
        start(admission, "before-" + i);
      }
      // Slow bucket calls opened the breaker, but the job stores answer: no share on top of the cap
      breakerOpen.set(true);

      assertThat(admission.start(BuildRequest.of("after")).join()).isInstanceOf(Queued.class);
      assertThat(launcher.peakRunning()).isEqualTo(CAP);
    }
  }

  @Test
  void aShareIsRoundedDownAndAShareOfZeroRefuses() {
    try (var admission = admission(JobsFailureMode.LOCAL)) {
      for (int i = 0; i < 8; i++) {
        start(admission, "before-" + i);
      }
      liveReplicas.set(3);
      storesGoDown(admission);

      // (10 - 8) / 3 rounds down to 0
      assertThat(admission.start(BuildRequest.of("during")).join()).isInstanceOf(Degraded.class);
      assertThat(launcher.peakRunning()).isEqualTo(8);
    }
  }

  @Test
  void aReplicaThatNeverHadACountRefusesEverything() {
    down.set(true);
    try (var admission = admission(JobsFailureMode.LOCAL)) {
      var result = admission.start(BuildRequest.of("parser-1")).join();

      assertThat(result).isInstanceOf(Degraded.class);
      assertThat(((Degraded) result).share()).isZero();
      assertThat(launcher.launched()).isEmpty();
    }
  }

  @Test
  void theSameParserStartedTwiceWhileDegradedRunsOnce() {
    try (var admission = admission(JobsFailureMode.LOCAL)) {
      start(admission, "before");
      storesGoDown(admission);

      var first = (Started) admission.start(BuildRequest.of("parser-1")).join();
      var second = admission.start(BuildRequest.of("parser-1")).join();

      assertThat(second).isInstanceOf(AlreadyActive.class);
      assertThat(((AlreadyActive) second).build().id()).isEqualTo(first.build().id());
      assertThat(launcher.launched()).hasSize(2);
    }
  }

  @Test
  void aStartWhoseStepFailedIsRefusedNotStartedSinceTheStepMayStillBeApplied() {
    try (var admission = admission(JobsFailureMode.LOCAL)) {
      start(admission, "before");
      var unavailable = new AtomicBoolean(false);
      down.set(true);

      // The stores fail but nothing has said they are down: the step may yet be applied.
      try (var unaware = BuildAdmission.create(config, stores(), launcher, clock, new SimpleMeterRegistry(),
          JobsFailureMode.LOCAL, health(unavailable))) {
        var result = unaware.start(BuildRequest.of("during")).join();

        assertThat(result).isInstanceOf(Degraded.class);
        assertThat(unaware.isDegraded()).isTrue();
        assertThat(launcher.launched()).extracting(Build::parserId).containsExactly("before");
      }
    }
  }

  @Test
  void aStepAppliedLateByAStalledStoreNeverLaunchesTheRefusedBuildNorBlocksItsParser() {
    var oneSlot = config.withMaxConcurrentJobs(1);
    var late = new AtomicReference<AdmissionAttempt>();
    // A stalled store: the step is not answered now (it fails), but applied when the store wakes up.
    AdmissionStore stalling = attempt -> {
      if (down.get()) {
        late.set(attempt);
        return CompletableFuture.failedFuture(new IllegalStateException("timed out"));
      }
      return base.admissions().admit(attempt);
    };
    var nobodySaidSo = new AtomicBoolean(false);
    try (var admission = BuildAdmission.create(oneSlot, stores().withAdmissions(stalling), launcher, clock, registry,
        JobsFailureMode.LOCAL, health(nobodySaidSo))) {
      var running = start(admission, "running");
      down.set(true);
      assertThat(admission.start(BuildRequest.of("stalled")).join()).isInstanceOf(Degraded.class);

      theLateStepNeverLaunchesNorBlocks(admission, running, late.get(), "stalled");
    }
  }

  @Test
  void aStepAStalledStoreNeverAnswersIsRefusedAtTheStepTimeoutAndUndoneOnceTheStoreAnswers() throws Exception {
    var oneSlot = config.withMaxConcurrentJobs(1);
    var late = new AtomicReference<AdmissionAttempt>();
    var lateStep = new AtomicReference<CompletableFuture<AdmissionStep>>();
    // A frozen store: the step is never answered (its connection stays open), and applied when the
    // store wakes up.
    AdmissionStore frozen = attempt -> {
      if (down.get()) {
        late.set(attempt);
        lateStep.set(new CompletableFuture<>());
        return lateStep.get();
      }
      return base.admissions().admit(attempt);
    };
    var nobodySaidSo = new AtomicBoolean(false);
    var health = SharedStateHealth.of(nobodySaidSo::get, liveReplicas::get, Duration.ofMillis(200));
    try (var admission = BuildAdmission.create(oneSlot, stores().withAdmissions(frozen), launcher, clock, registry,
        JobsFailureMode.LOCAL, health)) {
      var running = start(admission, "running");
      down.set(true);

      // The start is answered once the step timeout has passed, refused, and admission knows the
      // stores fail (the 5 s are a detector for a start left waiting, not a speed bound)
      assertThat(admission.start(BuildRequest.of("frozen")).get(5, TimeUnit.SECONDS)).isInstanceOf(Degraded.class);
      assertThat(admission.isDegraded()).isTrue();
      // and the step given up on is cancelled: a store that has not sent it yet never does
      assertThat(lateStep.get()).isCancelled();

      theLateStepNeverLaunchesNorBlocks(admission, running, late.get(), "frozen");
    }
  }

  @Test
  void closedModeRefusesEveryStartWhileTheStoresAreDown() {
    try (var admission = admission(JobsFailureMode.CLOSED)) {
      start(admission, "before");
      down.set(true);

      assertThatThrownBy(() -> admission.start(BuildRequest.of("during")).join()).hasMessageContaining("store down");
      assertThat(launcher.launched()).hasSize(1);
    }
  }

  @Test
  void whatWasAdmittedWhileDegradedIsWrittenBackAndEveryBuildEndsExactlyOnce() {
    try (var admission = admission(JobsFailureMode.LOCAL)) {
      var before = start(admission, "before");
      storesGoDown(admission);
      var succeeds = (Started) admission.start(BuildRequest.of("succeeds")).join();
      var fails = (Started) admission.start(BuildRequest.of("fails")).join();
      var runs = (Started) admission.start(BuildRequest.of("runs")).join();

      // While degraded, two end; this replica answers for its builds from memory
      launcher.succeed(succeeds.build());
      launcher.fail(fails.build(), "exit code 1");
      assertThat(admission.status(succeeds.build().id()).join().orElseThrow().state()).isEqualTo(BuildState.SUCCEEDED);
      assertThat(admission.status(runs.build().id()).join().orElseThrow().state()).isEqualTo(BuildState.RUNNING);

      // When the stores answer again
      down.set(false);
      admission.tick().join();

      // Then every build is in the stores as it stands, and the running ones hold slots
      assertThat(admission.isDegraded()).isFalse();
      assertThat(recorded(succeeds)).isEqualTo(BuildState.SUCCEEDED);
      assertThat(recorded(fails)).isEqualTo(BuildState.FAILED);
      assertThat(recorded(runs)).isEqualTo(BuildState.RUNNING);
      assertThat(base.slots().active("default").join()).isEqualTo(2);
      // the failed parser is in backoff, the running one deduplicated
      assertThat(admission.start(BuildRequest.of("fails")).join()).isInstanceOf(BackingOff.class);
      assertThat(admission.start(BuildRequest.of("runs")).join()).isInstanceOf(AlreadyActive.class);

      // And the running one's lease is renewed by the dispatcher, and its end recorded once
      clock.advance(config.leaseDuration().multipliedBy(2).dividedBy(3));
      admission.tick().join();
      clock.advance(config.leaseDuration().multipliedBy(2).dividedBy(3));
      admission.tick().join();
      assertThat(recorded(runs)).isEqualTo(BuildState.RUNNING);
      launcher.succeed(runs.build());
      launcher.succeed(before.build());
      admission.tick().join();

      assertThat(recorded(runs)).isEqualTo(BuildState.SUCCEEDED);
      assertThat(base.slots().active("default").join()).isZero();
      assertThat(registry.get("builds").tag("outcome", "succeeded").counter().count()).isEqualTo(3);
      assertThat(registry.get("builds").tag("outcome", "failed").counter().count()).isEqualTo(1);
    }
  }

  @Test
  void buildsWrittenBackCountAgainstTheCapOnTheStores() {
    try (var admission = admission(JobsFailureMode.LOCAL)) {
      liveReplicas.set(1);
      start(admission, "before");
      storesGoDown(admission);
      for (int i = 0; i < CAP - 1; i++) {
        assertThat(admission.start(BuildRequest.of("during-" + i)).join()).isInstanceOf(Started.class);
      }
      down.set(false);

      // The first start that reaches the stores again finds the cap taken and queues
      assertThat(admission.start(BuildRequest.of("after")).join()).isInstanceOf(Queued.class);
      assertThat(base.slots().active("default").join()).isEqualTo(CAP);
      assertThat(launcher.peakRunning()).isEqualTo(CAP);
    }
  }

  /**
   * The store wakes up and applies the late step of {@code parser}'s refused start (queued behind
   * {@code running}, the one build of a one-slot namespace); then the refused build is not started when
   * the slot frees, and its parser can start again.
   */
  private void theLateStepNeverLaunchesNorBlocks(BuildAdmission admission, Started running, AdmissionAttempt late,
      String parser) {
    down.set(false);
    base.admissions().admit(late).join();
    assertThat(base.queue().depth("default").join()).isEqualTo(1);

    admission.tick().join();
    launcher.succeed(running.build());
    admission.tick().join();

    assertThat(launcher.launched()).extracting(Build::parserId).containsExactly("running");
    assertThat(base.queue().depth("default").join()).isZero();
    assertThat(admission.start(BuildRequest.of(parser)).join()).isInstanceOf(Started.class);
  }

  /** The stores go down, and a dispatcher round finds out (as the first failed step would). */
  private void storesGoDown(BuildAdmission admission) {
    down.set(true);
    assertThatThrownBy(() -> admission.tick().join()).hasMessageContaining("store down");
  }

  private BuildAdmission admission(JobsFailureMode mode) {
    return BuildAdmission.create(config, stores(), launcher, clock, registry, mode, health(down));
  }

  private Started start(BuildAdmission admission, String parser) {
    return (Started) admission.start(BuildRequest.of(parser)).join();
  }

  private BuildState recorded(Started started) {
    return base.records().get(started.build().id()).join().orElseThrow().state();
  }

  private SharedStateHealth health(AtomicBoolean unavailable) {
    return SharedStateHealth.of(unavailable::get, liveReplicas::get);
  }

  /** The in-process stores, each failing every call while {@link #down}. */
  private JobStores stores() {
    return new JobStores(failing(SlotStore.class, base.slots()), failing(BuildQueue.class, base.queue()),
        failing(BackoffStore.class, base.backoffs()), failing(BuildRecordStore.class, base.records()),
        failing(AdmissionStore.class, base.admissions()));
  }

  private <T> T failing(Class<T> type, T delegate) {
    return StoreProxies.intercepted(type, delegate, (m, call) ->
        down.get() && m.getReturnType() == CompletableFuture.class
            ? CompletableFuture.failedFuture(new IllegalStateException("store down"))
            : call.call());
  }
}
