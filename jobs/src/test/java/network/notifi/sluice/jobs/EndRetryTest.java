package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import network.notifi.sluice.jobs.spi.BackoffStore;
import network.notifi.sluice.jobs.spi.BuildRecordStore;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.SlotStore;
import network.notifi.sluice.jobs.spi.StoreProxies;
import org.junit.jupiter.api.Test;

/**
 * Regression: when a store failed while an ended build was being recorded, the build stayed owned
 * and its lease was renewed forever, so its slot never freed. The end is now retried on the next tick.
 */
class EndRetryTest {

  private final MutableClock clock = new MutableClock();
  private final ScriptedLauncher launcher = new ScriptedLauncher();

  @Test
  void slotReleaseThatFailsIsRetriedOnTheNextTick() {
    var base = InProcessStores.create(clock);
    var failures = new AtomicInteger(1);
    var stores = new JobStores(failing(SlotStore.class, base.slots(), "release", failures),
        base.queue(), base.backoffs(), base.records(), base.admissions());
    try (var admission = BuildAdmission.create(JobsConfig.defaults(), stores, launcher, clock, new SimpleMeterRegistry())) {
      var started = (AdmissionResult.Started) admission.start(BuildRequest.of("parser-1")).join();

      launcher.succeed(started.build());
      assertThat(admission.usage("default").join().active()).isEqualTo(1);

      admission.tick().join();

      assertThat(admission.usage("default").join().active()).isZero();
      assertThat(admission.status(started.build().id()).join().orElseThrow().state()).isEqualTo(BuildState.SUCCEEDED);
    }
  }

  @Test
  void recordWriteThatFailsAfterTheReleaseIsRetriedWithoutLosingTheOutcome() {
    var base = InProcessStores.create(clock);
    var failures = new AtomicInteger(0);
    var stores = new JobStores(base.slots(), base.queue(), base.backoffs(),
        failing(BuildRecordStore.class, base.records(), "update", failures), base.admissions());
    try (var admission = BuildAdmission.create(JobsConfig.defaults(), stores, launcher, clock, new SimpleMeterRegistry())) {
      var started = (AdmissionResult.Started) admission.start(BuildRequest.of("parser-1")).join();

      failures.set(1);
      launcher.fail(started.build(), "exit code 1");
      assertThat(admission.status(started.build().id()).join().orElseThrow().state()).isEqualTo(BuildState.RUNNING);

      admission.tick().join();

      var ended = admission.status(started.build().id()).join().orElseThrow();
      assertThat(ended.state()).isEqualTo(BuildState.FAILED);
      assertThat(ended.build().failureReason()).contains("exit code 1");
      assertThat(admission.usage("default").join().active()).isZero();
    }
  }

  @Test
  void aBackoffThatFailsIsOpenedOnTheNextTickAndOnlyThenIsTheRecordEnded() {
    var base = InProcessStores.create(clock);
    var failures = new AtomicInteger(0);
    var stores = new JobStores(base.slots(), base.queue(),
        failing(BackoffStore.class, base.backoffs(), "recordFailure", failures), base.records(), base.admissions());
    try (var admission = BuildAdmission.create(JobsConfig.defaults(), stores, launcher, clock, new SimpleMeterRegistry())) {
      var started = (AdmissionResult.Started) admission.start(BuildRequest.of("parser-1")).join();

      failures.set(1);
      launcher.fail(started.build(), "exit code 1");
      // Neither the window nor the record: a start now is a duplicate of the build still recorded as running.
      assertThat(admission.status(started.build().id()).join().orElseThrow().state()).isEqualTo(BuildState.RUNNING);
      assertThat(admission.start(BuildRequest.of("parser-1")).join()).isInstanceOf(AdmissionResult.AlreadyActive.class);

      admission.tick().join();

      assertThat(admission.status(started.build().id()).join().orElseThrow().state()).isEqualTo(BuildState.FAILED);
      assertThat(admission.start(BuildRequest.of("parser-1")).join()).isInstanceOf(AdmissionResult.BackingOff.class);
    }
  }

  /**
   * Regression: the record was written before the window was opened, so a retry sent the instant a
   * build failed found the build ended, took over the parser's claim and started before the window.
   */
  @Test
  void aStartWhileTheFailureIsBeingCountedIsNeverAdmitted() {
    var base = InProcessStores.create(clock);
    var counted = new CompletableFuture<Void>();
    var stores = new JobStores(base.slots(), base.queue(), held(base.backoffs(), counted), base.records(),
        base.admissions());
    try (var admission = BuildAdmission.create(JobsConfig.defaults(), stores, launcher, clock, new SimpleMeterRegistry())) {
      var started = (AdmissionResult.Started) admission.start(BuildRequest.of("parser-1")).join();

      launcher.fail(started.build(), "exit code 1");
      AdmissionResult during = admission.start(BuildRequest.of("parser-1")).join();
      counted.complete(null);
      AdmissionResult after = admission.start(BuildRequest.of("parser-1")).join();

      assertThat(during).isInstanceOf(AdmissionResult.AlreadyActive.class);
      assertThat(after).isInstanceOf(AdmissionResult.BackingOff.class);
      assertThat(admission.status(started.build().id()).join().orElseThrow().state()).isEqualTo(BuildState.FAILED);
    }
  }

  /** {@code delegate}, whose failure counts are answered only once {@code release} completes. */
  private static BackoffStore held(BackoffStore delegate, CompletableFuture<Void> release) {
    return StoreProxies.intercepted(BackoffStore.class, delegate, (m, call) -> {
      Object answer = call.call();
      return m.getName().equals("recordFailure") ? release.thenCompose(v -> (CompletableFuture<?>) answer) : answer;
    });
  }

  /** {@code delegate}, except that the next {@code failures} calls of {@code method} fail. */
  private static <T> T failing(Class<T> type, T delegate, String method, AtomicInteger failures) {
    return StoreProxies.intercepted(type, delegate, (m, call) ->
        m.getName().equals(method) && failures.getAndUpdate(n -> Math.max(0, n - 1)) > 0
            ? CompletableFuture.failedFuture(new IllegalStateException("store timed out"))
            : call.call());
  }
}
