package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.jobs.AdmissionResult.Started;
import network.notifi.sluice.jobs.inprocess.InProcessStores;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The meter names and labels the dashboard and the alerts rely on. */
class BuildAdmissionMetricsTest {

  private final MutableClock clock = new MutableClock();
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private final ScriptedLauncher launcher = new ScriptedLauncher();
  private final BuildAdmission admission =
      BuildAdmission.create(
          JobsConfig.defaults().withMaxConcurrentJobs(2).withNamespaceLimits(Map.of("big", 5)),
          InProcessStores.create(clock),
          launcher,
          clock,
          registry);

  @AfterEach
  void tearDown() {
    admission.close();
  }

  private double value(String name, String... tags) {
    var search = registry.find(name).tags(tags);
    if (search.gauge() != null) {
      return search.gauge().value();
    }
    return search.counter() == null ? Double.NaN : search.counter().count();
  }

  private Build start(String parser) {
    var result = admission.start(BuildRequest.of(parser)).join();
    return result instanceof Started s ? s.build() : ((AdmissionResult.Queued) result).build();
  }

  @Test
  void theCapsAcrossNamespacesAreShownWhenSetAndAbsentWhenNot() {
    assertThat(registry.find("concurrent_jobs_cap").gauges()).as("no cap set").isEmpty();

    var capped = new SimpleMeterRegistry();
    try (var withCaps = BuildAdmission.create(JobsConfig.defaults().withCaps(30, 4), InProcessStores.create(clock),
        launcher, clock, capped)) {
      assertThat(capped.find("concurrent_jobs_cap").tag("limit", "total").gauge().value()).isEqualTo(30);
      assertThat(capped.find("concurrent_jobs_cap").tag("limit", "third_party").gauge().value()).isEqualTo(4);
    }
  }

  @Test
  void configuredNamespacesShowTheirLimitAndZeroCountersBeforeAnyBuild() {
    assertThat(value("concurrent_jobs_limit", "namespace", "default")).isEqualTo(2);
    assertThat(value("concurrent_jobs_limit", "namespace", "big")).isEqualTo(5);
    assertThat(value("concurrent_jobs_active", "namespace", "big")).isZero();
    for (String reason : List.of("reject", "queue_full")) {
      assertThat(value("concurrent_jobs_rejected", "namespace", "big", "reason", reason, "limit", "namespace"))
          .as(reason).isZero();
    }
    assertThat(value("builds", "namespace", "default", "outcome", "succeeded")).isZero();
    assertThat(value("builds", "namespace", "default", "outcome", "failed")).isZero();
    assertThat(value("build_queue_depth", "namespace", "default")).isZero();
    assertThat(value("build_queue_oldest_age_seconds", "namespace", "default")).isZero();
    assertThat(value("build_backoff_windows_open")).isZero();
  }

  @Test
  void oldestQueuedAgeGrowsWhileTheBuildWaitsAndFallsToZeroWhenItStarts() {
    Build first = start("parser-1");
    start("parser-2");
    start("parser-3");

    clock.advance(Duration.ofSeconds(42));
    assertThat(value("build_queue_depth", "namespace", "default")).isEqualTo(1);
    assertThat(value("build_queue_oldest_age_seconds", "namespace", "default")).isEqualTo(42);

    launcher.succeed(first);
    assertThat(value("build_queue_oldest_age_seconds", "namespace", "default")).isZero();
  }

  @Test
  void finishedBuildsAreCountedByOutcomeAndTimedInOneHistogram() {
    Build ok = start("parser-ok");
    Build bad = start("parser-bad");
    clock.advance(Duration.ofSeconds(3));

    launcher.succeed(ok);
    launcher.fail(bad, "exit code 1");

    assertThat(value("builds", "namespace", "default", "outcome", "succeeded")).isEqualTo(1);
    assertThat(value("builds", "namespace", "default", "outcome", "failed")).isEqualTo(1);
    var timer = registry.find("build_duration").timer();
    assertThat(timer.getId().getTags()).isEmpty();
    assertThat(timer.count()).isEqualTo(2);
    assertThat(timer.totalTime(TimeUnit.SECONDS)).isEqualTo(6);
  }

  @Test
  void backoffWindowsOpenCountsOpenWindowsUntilTheyClose() {
    Build bad = start("parser-bad");
    launcher.fail(bad, "exit code 1");

    assertThat(value("build_backoff_windows_open")).isEqualTo(1);
    clock.advance(admission.config().failureBackoffPeriod());
    assertThat(value("build_backoff_windows_open")).isZero();
  }
}
