package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import network.notifi.sluice.jobs.AdmissionResult.AlreadyActive;
import network.notifi.sluice.jobs.AdmissionResult.AtCapacity;
import network.notifi.sluice.jobs.AdmissionResult.BackingOff;
import network.notifi.sluice.jobs.AdmissionResult.Queued;
import network.notifi.sluice.jobs.AdmissionResult.Started;
import network.notifi.sluice.jobs.internal.Dispatcher;
import network.notifi.sluice.jobs.spi.AdmissionStore;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.JobStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The admission flow, from start to end and the next dispatch, on a scripted launcher and a clock
 * the tests move. Each backend extends this class and supplies its {@link JobStores} on the given
 * clock: the in-process stores, and Redis standalone and Redis Cluster in the redis module. Each
 * call to {@link #newStores} must give stores of their own (a fresh key prefix on a shared server).
 *
 * <p>Every step is awaited before the next, as on in-process stores, so a test reads as a sequence;
 * admissions racing each other are {@code BuildAdmissionConcurrencyTest}'s subject.
 */
public abstract class AbstractBuildAdmissionFlowTest {

  private final MutableClock clock = new MutableClock();
  private final ScriptedLauncher launcher = new ScriptedLauncher();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private JobStores stores;
  private BuildAdmission admission;

  /** New, empty stores whose times come from {@code clock}; each step's answer is awaited. */
  protected abstract JobStores newStores(MutableClock clock);

  @BeforeEach
  void setUp() {
    stores = newStores(clock);
    admission = admissionWith(JobsConfig.defaults());
  }

  @AfterEach
  void tearDown() {
    admission.close();
  }

  private BuildAdmission admissionWith(JobsConfig config) {
    if (admission != null) {
      admission.close();
      stores = newStores(clock);
    }
    admission = BuildAdmission.create(config, stores, launcher, clock, registry);
    return admission;
  }

  private AdmissionResult start(String parser) {
    return admission.start(BuildRequest.of(parser)).join();
  }

  private AdmissionResult start(String parser, String thirdParty) {
    return admission.start(BuildRequest.of(parser).fromThirdParty(thirdParty)).join();
  }

  private List<AdmissionResult> startMany(int count) {
    List<AdmissionResult> results = new ArrayList<>();
    for (int i = 1; i <= count; i++) {
      results.add(start("parser-" + i));
    }
    return results;
  }

  private Build build(AdmissionResult result) {
    if (result instanceof Started s) {
      return s.build();
    } else if (result instanceof Queued q) {
      return q.build();
    } else if (result instanceof AlreadyActive a) {
      return a.build();
    }
    throw new AssertionError("no build in " + result);
  }

  private BuildStatus status(Build build) {
    return admission.status(build.id()).join().orElseThrow();
  }

  private double meter(String name, String... tags) {
    var search = registry.find(name).tags(tags);
    if (search.gauge() != null) {
      return search.gauge().value();
    }
    return search.counter() == null ? 0 : search.counter().count();
  }

  @Test
  void fifteenStartsRunTenAndQueueFiveInQueueMode() {
    List<AdmissionResult> results = startMany(15);

    assertThat(results.subList(0, 10)).allSatisfy(r -> assertThat(r).isInstanceOf(Started.class));
    assertThat(results.subList(10, 15)).allSatisfy(r -> assertThat(r).isInstanceOf(Queued.class));
    assertThat(results.subList(10, 15)).extracting(r -> ((Queued) r).position()).containsExactly(1L, 2L, 3L, 4L, 5L);
    assertThat(launcher.running()).hasSize(10);
    assertThat(admission.usage("default").join()).isEqualTo(new NamespaceUsage("default", 10, 10, 5));
    assertThat(status(build(results.get(0))).state()).isEqualTo(BuildState.RUNNING);
    assertThat(status(build(results.get(12))).position()).hasValue(3);
  }

  @Test
  void fifteenStartsRunTenAndRefuseFiveInRejectMode() {
    admissionWith(JobsConfig.defaults().withOnCapacity(OnCapacity.REJECT));

    List<AdmissionResult> results = startMany(15);

    assertThat(results.subList(0, 10)).allSatisfy(r -> assertThat(r).isInstanceOf(Started.class));
    assertThat(results.subList(10, 15))
        .allSatisfy(
            r -> {
              AtCapacity refused = (AtCapacity) r;
              assertThat(refused.detail()).isEqualTo("concurrent job limit reached");
              assertThat(refused.queueFull()).isFalse();
              assertThat(refused.limit()).isEqualTo(10);
              assertThat(refused.full()).isEqualTo(JobLimit.NAMESPACE);
              assertThat(refused.retryAfter()).isGreaterThanOrEqualTo(Duration.ofSeconds(1));
            });
    assertThat(launcher.launched()).hasSize(10);
    assertThat(meter("concurrent_jobs_rejected", "namespace", "default", "reason", "reject")).isEqualTo(5);
  }

  @Test
  void refusedStartLeavesNoRecordAndDoesNotBlockALaterStartOfTheSameParser() {
    admissionWith(JobsConfig.defaults().withOnCapacity(OnCapacity.REJECT).withMaxConcurrentJobs(1));
    Build first = build(start("parser-a"));

    assertThat(start("parser-b")).isInstanceOf(AtCapacity.class);
    launcher.succeed(first);

    assertThat(start("parser-b")).isInstanceOf(Started.class);
  }

  @Test
  void endingRunningBuildsStartsQueuedBuildsInOrder() {
    List<AdmissionResult> results = startMany(15);
    List<Build> running = launcher.running();

    launcher.succeed(running.get(0));
    launcher.fail(running.get(1), "exit code 1");
    launcher.succeed(running.get(2));

    assertThat(status(build(results.get(10))).state()).isEqualTo(BuildState.RUNNING);
    assertThat(status(build(results.get(11))).state()).isEqualTo(BuildState.RUNNING);
    assertThat(status(build(results.get(12))).state()).isEqualTo(BuildState.RUNNING);
    assertThat(status(build(results.get(13))).position()).hasValue(1);
    assertThat(launcher.running()).hasSize(10);
    assertThat(admission.usage("default").join().queued()).isEqualTo(2);
  }

  @Test
  void finishedBuildRecordsItsOutcomeAndTimes() {
    Build started = build(start("parser-a"));
    clock.advance(Duration.ofSeconds(42));

    launcher.fail(started, "exit code 2");

    Build ended = status(started).build();
    assertThat(ended.state()).isEqualTo(BuildState.FAILED);
    assertThat(ended.failureReason()).hasValue("exit code 2");
    assertThat(ended.startedAt()).hasValue(started.createdAt());
    assertThat(ended.finishedAt()).hasValue(started.createdAt().plusSeconds(42));
    assertThat(ended.parserId()).isEqualTo("parser-a");
    assertThat(ended.namespace()).isEqualTo("default");
    assertThat(status(started).position()).isEqualTo(OptionalLong.empty());
  }

  @Test
  void recordsExpireAfterTheirTtl() {
    Build started = build(start("parser-a"));
    launcher.succeed(started);

    clock.advance(JobsConfig.defaults().recordTtl());

    assertThat(admission.status(started.id()).join()).isEmpty();
  }

  @Test
  void queuedBuildEstimatesItsStartFromTheExpectedDurationBeforeAnyBuildFinished() {
    admissionWith(JobsConfig.defaults().withMaxConcurrentJobs(2));
    startMany(2);

    Queued third = (Queued) start("parser-3");
    Queued fourth = (Queued) start("parser-4");
    Queued fifth = (Queued) start("parser-5");

    assertThat(third.estimatedStart()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
    assertThat(fourth.estimatedStart()).isEqualTo(clock.instant().plus(Duration.ofMinutes(1)));
    assertThat(fifth.estimatedStart()).isEqualTo(clock.instant().plus(Duration.ofMinutes(2)));
  }

  @Test
  void queuedBuildEstimatesItsStartFromRecentBuildDurations() {
    admissionWith(JobsConfig.defaults().withMaxConcurrentJobs(1));
    Build first = build(start("parser-1"));
    clock.advance(Duration.ofMinutes(4));
    launcher.succeed(first);
    Build second = build(start("parser-2"));
    clock.advance(Duration.ofMinutes(2));
    launcher.succeed(second);
    start("parser-3");

    Queued queued = (Queued) start("parser-4");

    assertThat(queued.estimatedStart()).isEqualTo(clock.instant().plus(Duration.ofMinutes(3)));
  }

  @Test
  void fullQueueRefusesWithTheJobLimitDetail() {
    admissionWith(JobsConfig.defaults().withMaxConcurrentJobs(1).withQueueMaxDepth(2));

    List<AdmissionResult> results = startMany(4);

    assertThat(results.get(0)).isInstanceOf(Started.class);
    assertThat(results.subList(1, 3)).allSatisfy(r -> assertThat(r).isInstanceOf(Queued.class));
    AtCapacity refused = (AtCapacity) results.get(3);
    assertThat(refused.queueFull()).isTrue();
    assertThat(refused.detail()).isEqualTo(AdmissionResult.JOB_LIMIT_DETAIL);
    assertThat(meter("concurrent_jobs_rejected", "reason", "queue_full")).isEqualTo(1);
  }

  @Test
  void failingParserBacksOffInsideTheWindowAndIsAllowedAfterIt() {
    Build first = build(start("invalid-parser"));
    launcher.fail(first, "exit code 1");

    clock.advance(Duration.ofMinutes(2));
    AdmissionResult second = start("invalid-parser");

    assertThat(second).isInstanceOf(BackingOff.class);
    BackingOff backingOff = (BackingOff) second;
    assertThat(backingOff.detail()).isEqualTo("build failed recently, backoff period active");
    assertThat(backingOff.timeLeft()).isEqualTo(Duration.ofMinutes(3));
    assertThat(backingOff.retryAfter()).isEqualTo(Duration.ofMinutes(3));
    assertThat(backingOff.consecutiveFailures()).isEqualTo(1);
    assertThat(launcher.launched()).hasSize(1);

    clock.advance(Duration.ofMinutes(3));
    assertThat(start("invalid-parser")).isInstanceOf(Started.class);
  }

  @Test
  void backoffIsPerParserAndNamespace() {
    launcher.fail(build(start("invalid-parser")), "exit code 1");

    assertThat(start("other-parser")).isInstanceOf(Started.class);
    assertThat(admission.start(BuildRequest.of("invalid-parser").inNamespace("team-b")).join())
        .isInstanceOf(Started.class);
  }

  @Test
  void consecutiveFailuresDoubleTheWindowUpToTheMaximum() {
    List<Duration> windows = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      launcher.fail(build(start("flaky")), "exit code 1");
      BackingOff backingOff = (BackingOff) start("flaky");
      windows.add(backingOff.timeLeft());
      clock.advance(backingOff.timeLeft());
    }

    assertThat(windows)
        .containsExactly(
            Duration.ofMinutes(5), Duration.ofMinutes(10), Duration.ofMinutes(20),
            Duration.ofMinutes(40), Duration.ofHours(1), Duration.ofHours(1));
  }

  @Test
  void successResetsTheBackoff() {
    launcher.fail(build(start("flaky")), "exit code 1");
    clock.advance(Duration.ofMinutes(5));
    launcher.fail(build(start("flaky")), "exit code 1");
    clock.advance(Duration.ofMinutes(10));
    launcher.succeed(build(start("flaky")));

    launcher.fail(build(start("flaky")), "exit code 1");

    assertThat(((BackingOff) start("flaky")).timeLeft()).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void startingARunningParserAgainIsANoOpThatReturnsTheRunningBuild() {
    Build first = build(start("parser-a"));

    AdmissionResult again = start("parser-a");

    assertThat(again).isInstanceOf(AlreadyActive.class);
    assertThat(((AlreadyActive) again).build().id()).isEqualTo(first.id());
    assertThat(((AlreadyActive) again).existing().state()).isEqualTo(BuildState.RUNNING);
    assertThat(launcher.launched()).hasSize(1);
  }

  @Test
  void startingAQueuedParserAgainReturnsTheQueuedBuildWithItsPosition() {
    admissionWith(JobsConfig.defaults().withMaxConcurrentJobs(1));
    start("parser-a");
    Build queued = build(start("parser-b"));

    AlreadyActive again = (AlreadyActive) start("parser-b");

    assertThat(again.build().id()).isEqualTo(queued.id());
    assertThat(again.existing().position()).hasValue(1);
    assertThat(admission.usage("default").join().queued()).isEqualTo(1);
  }

  @Test
  void parserCanStartAgainOnceItsBuildEnded() {
    Build first = build(start("parser-a"));
    launcher.succeed(first);

    AdmissionResult again = start("parser-a");

    assertThat(again).isInstanceOf(Started.class);
    assertThat(build(again).id()).isNotEqualTo(first.id());
  }

  @Test
  void sameParserInAnotherNamespaceIsAnotherBuild() {
    start("parser-a");

    assertThat(admission.start(BuildRequest.of("parser-a").inNamespace("team-b")).join()).isInstanceOf(Started.class);
  }

  @Test
  void thirdPartyWithOneQueuedBuildIsNotStarvedByOneWith500() {
    admissionWith(JobsConfig.defaults().withMaxConcurrentJobs(1));
    start("warm-up", "someone");
    for (int i = 0; i < 500; i++) {
      start("big-" + i, "big-customer");
    }
    Queued small = (Queued) start("small-0", "small-customer");
    assertThat(small.position()).isEqualTo(2);

    List<String> startedParsers = new ArrayList<>();
    for (int dispatch = 0; dispatch < 2; dispatch++) {
      launcher.succeed(launcher.running().get(0));
      startedParsers.add(launcher.running().get(0).parserId());
    }

    assertThat(startedParsers).containsExactly("big-0", "small-0");
  }

  @Test
  void namespacesHaveTheirOwnLimits() {
    admissionWith(JobsConfig.defaults().withNamespaceLimits(Map.of("team-a", 2)));

    List<AdmissionResult> teamA = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      teamA.add(admission.start(BuildRequest.of("parser-" + i).inNamespace("team-a")).join());
    }
    List<AdmissionResult> defaults = startMany(10);

    assertThat(teamA).extracting(r -> r.getClass().getSimpleName()).containsExactly("Started", "Started", "Queued");
    assertThat(defaults).allSatisfy(r -> assertThat(r).isInstanceOf(Started.class));
    assertThat(admission.usage("team-a").join()).isEqualTo(new NamespaceUsage("team-a", 2, 2, 1));
  }

  @Test
  void requestWithoutNamespaceUsesTheConfiguredDefault() {
    admissionWith(JobsConfig.defaults().withDefaultNamespace("builds"));

    assertThat(build(start("parser-a")).namespace()).isEqualTo("builds");
  }

  @Test
  void endReportedTwiceIsActedOnOnce() {
    admissionWith(JobsConfig.defaults().withMaxConcurrentJobs(1));
    Build first = build(start("parser-a"));
    start("parser-b");
    start("parser-c");

    launcher.fail(first, "exit code 1");
    launcher.end(JobOutcome.failed(first.id(), first.namespace(), "exit code 1"));

    assertThat(launcher.running()).extracting(Build::parserId).containsExactly("parser-b");
    assertThat(admission.usage("default").join().queued()).isEqualTo(1);
    assertThat(meter("builds", "outcome", "failed")).isEqualTo(1);
    assertThat(((BackingOff) start("parser-a")).consecutiveFailures()).isEqualTo(1);
  }

  @Test
  void launchFailureFailsTheBuildFreesItsSlotAndOpensNoBackoff() {
    launcher.failLaunchesWith(new IllegalStateException("cluster unreachable"));

    assertThatThrownBy(() -> start("parser-a"))
        .isInstanceOf(CompletionException.class)
        .hasRootCauseMessage("cluster unreachable");

    assertThat(admission.usage("default").join().active()).isZero();
    launcher.failLaunchesWith(null);
    assertThat(start("parser-a")).isInstanceOf(Started.class);
  }

  @Test
  void queuedBuildWhoseLaunchFailsIsFailedAndTheNextOneStarts() {
    admissionWith(JobsConfig.defaults().withMaxConcurrentJobs(1));
    Build first = build(start("parser-a"));
    Build doomed = build(start("parser-b"));
    Build next = build(start("parser-c"));

    launcher.failNextLaunchWith(new IllegalStateException("quota exceeded"));
    launcher.succeed(first);

    assertThat(status(doomed).build().failureReason()).hasValue("launch failed: quota exceeded");
    assertThat(status(next).state()).isEqualTo(BuildState.RUNNING);
  }

  /** The admission step is applied, but its answer is lost, as when a Redis call times out. */
  private BuildAdmission losingTheNextAnswer(JobsConfig config, AtomicBoolean loseNext) {
    AdmissionStore lossy = attempt -> stores.admissions().admit(attempt).thenCompose(step -> loseNext.getAndSet(false)
        ? CompletableFuture.failedFuture(new IllegalStateException("connection reset"))
        : CompletableFuture.completedFuture(step));
    return BuildAdmission.create(config, stores.withAdmissions(lossy), launcher, clock, registry);
  }

  @Test
  void slotTakenByAStepWhoseAnswerIsLostIsReapedAndTheParserIsNotBlocked() {
    JobsConfig config = JobsConfig.defaults().withMaxConcurrentJobs(1);
    admissionWith(config);
    var loseNext = new AtomicBoolean(true);
    try (BuildAdmission lossy = losingTheNextAnswer(config, loseNext)) {
      assertThatThrownBy(() -> lossy.start(BuildRequest.of("parser-a")).join())
          .hasRootCauseMessage("connection reset");
      assertThat(launcher.launched()).isEmpty();
      assertThat(lossy.start(BuildRequest.of("parser-a")).join()).isInstanceOf(Queued.class);

      clock.advance(config.leaseDuration());
      lossy.tick().join();

      assertThat(launcher.running()).extracting(Build::parserId).containsExactly("parser-a");
      assertThat(lossy.usage("default").join().active()).isEqualTo(1);
    }
  }

  @Test
  void queuedBuildWhoseAnswerWasLostIsNeverLaunched() {
    JobsConfig config = JobsConfig.defaults().withMaxConcurrentJobs(1);
    admissionWith(config);
    var loseNext = new AtomicBoolean(false);
    try (BuildAdmission lossy = losingTheNextAnswer(config, loseNext)) {
      Build running = build(lossy.start(BuildRequest.of("parser-a")).join());
      loseNext.set(true);
      assertThatThrownBy(() -> lossy.start(BuildRequest.of("parser-b")).join())
          .hasRootCauseMessage("connection reset");
      Build next = build(lossy.start(BuildRequest.of("parser-c")).join());

      launcher.succeed(running);

      // parser-b's caller was told nothing started: its entry is dropped, parser-c runs instead.
      assertThat(launcher.launched()).extracting(Build::parserId).containsExactly("parser-a", "parser-c");
      assertThat(status(next).state()).isEqualTo(BuildState.RUNNING);
      assertThat(lossy.usage("default").join().queued()).isZero();
      assertThat(lossy.start(BuildRequest.of("parser-b")).join()).isInstanceOf(Queued.class);
    }
  }

  @Test
  void tickRenewsTheLeasesOfRunningBuilds() {
    Build running = build(start("long-build"));

    for (int i = 0; i < 10; i++) {
      clock.advance(Duration.ofSeconds(10));
      admission.tick().join();
    }

    assertThat(status(running).state()).isEqualTo(BuildState.RUNNING);
    assertThat(admission.usage("default").join().active()).isEqualTo(1);
  }

  @Test
  void deadReplicasLeaseExpiresItsBuildFailsAndTheNextQueuedBuildStartsElsewhere() {
    JobsConfig config = JobsConfig.defaults().withMaxConcurrentJobs(1);
    admissionWith(config);
    ScriptedLauncher survivorLauncher = new ScriptedLauncher();
    try (BuildAdmission survivor = BuildAdmission.create(config, stores, survivorLauncher, clock, registry)) {
      Build orphan = build(start("parser-a"));
      Build waiting = build(survivor.start(BuildRequest.of("parser-b")).join());

      clock.advance(config.leaseDuration());
      survivor.tick().join();

      assertThat(status(orphan).build().failureReason()).hasValue(Dispatcher.LEASE_EXPIRED);
      assertThat(survivorLauncher.running()).extracting(Build::id).containsExactly(waiting.id());
      assertThat(start("parser-a")).isInstanceOf(Queued.class);
    }
  }

  @Test
  void closedReplicaLeavesItsQueuedBuildsForAnother() {
    JobsConfig config = JobsConfig.defaults().withMaxConcurrentJobs(1);
    admissionWith(config);
    ScriptedLauncher otherLauncher = new ScriptedLauncher();
    try (BuildAdmission other = BuildAdmission.create(config, stores, otherLauncher, clock, registry)) {
      Build running = build(start("parser-a"));
      Build queued = build(start("parser-b"));

      admission.close();
      launcher.succeed(running);
      assertThat(status(queued).state()).isEqualTo(BuildState.QUEUED);
      other.tick().join();

      assertThat(status(running).state()).isEqualTo(BuildState.SUCCEEDED);
      assertThat(otherLauncher.running()).extracting(Build::id).containsExactly(queued.id());
    }
  }

  @Test
  void metricsShowActiveSlotsAndQueueDepthPerNamespace() {
    startMany(15);

    assertThat(meter("concurrent_jobs_active", "namespace", "default")).isEqualTo(10);
    assertThat(meter("build_queue_depth", "namespace", "default")).isEqualTo(5);
    assertThat(meter("jobs_admissions", "result", "queued")).isEqualTo(5);

    launcher.succeed(launcher.running().get(0));
    assertThat(meter("build_queue_depth", "namespace", "default")).isEqualTo(4);
    assertThat(meter("builds", "namespace", "default", "outcome", "succeeded")).isEqualTo(1);
  }

  @Test
  void noMeterCarriesAParserBuildOrThirdPartyId() {
    start("parser-a", "customer-123");
    launcher.fail(launcher.running().get(0), "exit code 1");

    assertThat(registry.getMeters())
        .flatExtracting(m -> m.getId().getTags())
        .extracting(tag -> tag.getKey())
        .isSubsetOf("namespace", "reason", "limit", "result", "outcome", "mode");
  }

  private AdmissionResult start(String parser, String namespace, String thirdParty) {
    return admission.start(BuildRequest.of(parser, namespace, thirdParty)).join();
  }

  private long runningOf(String thirdParty) {
    return launcher.running().stream().filter(b -> b.thirdParty().equals(Optional.of(thirdParty))).count();
  }

  @Test
  void aThirdPartyAtItsCapWaitsWhileAnotherStartsAndItsNextStartsWhenOneOfItsBuildsEnds() {
    admissionWith(JobsConfig.defaults().withCaps(0, 2));
    Build first = build(start("parser-1", "acme"));
    start("parser-2", "acme");

    Build waiting = build(start("parser-3", "acme"));
    Build other = build(start("parser-4", "globex"));

    assertThat(status(waiting).state()).isEqualTo(BuildState.QUEUED);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(status(other).state()).as("the queued acme build does not hold globex back")
            .isEqualTo(BuildState.RUNNING));
    assertThat(runningOf("acme")).isEqualTo(2);

    launcher.succeed(first);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(status(waiting).state()).isEqualTo(BuildState.RUNNING));
    assertThat(runningOf("acme")).isEqualTo(2);
  }

  @Test
  void theTotalCapSpansNamespacesAndASlotFreedInOneStartsABuildWaitingInAnother() {
    admissionWith(JobsConfig.defaults().withNamespaces(Set.of("default", "team-b")).withCaps(3, 0));
    Build first = build(start("parser-1", "default", "acme"));
    start("parser-2", "default", "acme");
    start("parser-3", "team-b", "globex");

    AdmissionResult fourth = start("parser-4", "team-b", "globex");

    assertThat(fourth).isInstanceOf(Queued.class);
    assertThat(launcher.running()).hasSize(3);
    launcher.succeed(first);
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
        assertThat(status(build(fourth)).state()).isEqualTo(BuildState.RUNNING));
    assertThat(launcher.running()).hasSize(3);
  }

  @Test
  void aStartRefusedByACapSaysWhichLimitWasFull() {
    admissionWith(JobsConfig.defaults().withOnCapacity(OnCapacity.REJECT).withCaps(3, 1));
    start("parser-1", "acme");

    AtCapacity refused = (AtCapacity) start("parser-2", "acme");

    assertThat(refused.full()).isEqualTo(JobLimit.THIRD_PARTY);
    assertThat(refused.limit()).isEqualTo(1);
    start("parser-3", "globex");
    start("parser-4", "initech");
    AtCapacity total = (AtCapacity) start("parser-5", "umbrella");
    assertThat(total.full()).isEqualTo(JobLimit.TOTAL);
    assertThat(total.limit()).isEqualTo(3);
    // The refusal counts say which limit was full, so that a cap is told apart from a full namespace.
    assertThat(meter("concurrent_jobs_rejected", "reason", "reject", "limit", "third_party")).isEqualTo(1);
    assertThat(meter("concurrent_jobs_rejected", "reason", "reject", "limit", "total")).isEqualTo(1);
    assertThat(meter("concurrent_jobs_rejected", "reason", "reject", "limit", "namespace")).isZero();
  }
}
