package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class JobsConfigTest {

  @Test
  void defaultsAreTheSeeds() {
    JobsConfig config = JobsConfig.defaults();

    assertThat(config.maxConcurrentJobs()).isEqualTo(10);
    assertThat(config.defaultNamespace()).isEqualTo("default");
    assertThat(config.onCapacity()).isEqualTo(OnCapacity.QUEUE);
    assertThat(config.queueMaxDepth()).isEqualTo(1000);
    assertThat(config.failureBackoffPeriod()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.failureBackoffMax()).isEqualTo(Duration.ofHours(1));
    assertThat(config.leaseDuration()).isEqualTo(Duration.ofSeconds(30));
    assertThat(config.recordTtl()).isEqualTo(Duration.ofHours(24));
    assertThat(config.local().command()).isEqualTo(JobsConfig.Local.DEMO_COMMAND);
    assertThat(config.local().timeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(config.local().logLimitBytes()).isEqualTo(65536);
  }

  @Test
  void namespaceOverrideReplacesTheDefaultLimit() {
    JobsConfig config = JobsConfig.defaults().withNamespaceLimits(Map.of("team-a", 3));

    assertThat(config.limitFor("team-a")).isEqualTo(3);
    assertThat(config.limitFor("team-b")).isEqualTo(10);
  }

  @Test
  void zeroSlotsIsRefusedNamingTheSetting() {
    assertThatThrownBy(() -> JobsConfig.defaults().withMaxConcurrentJobs(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rate_limiting.max_concurrent_jobs must be >= 1, was 0");
  }

  @Test
  void namespaceOverrideMustNameAValidNamespaceAndAPositiveLimit() {
    assertThatThrownBy(() -> JobsConfig.defaults().withNamespaceLimits(Map.of("Team_A", 3)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("jobs.namespace_limits key must be a DNS-1123 label");
    assertThatThrownBy(() -> JobsConfig.defaults().withNamespaceLimits(Map.of("team-a", 0)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jobs.namespace_limits.team-a must be >= 1, was 0");
  }

  @Test
  void backoffMaximumBelowThePeriodContradictsIt() {
    assertThatThrownBy(() -> JobsConfig.defaults().withFailureBackoff(Duration.ofMinutes(5), Duration.ofMinutes(1)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("jobs.failure_backoff_max (PT1M) must be >= rate_limiting.failure_backoff_period (PT5M)");
  }

  @Test
  void nonPositiveDurationsAreRefused() {
    assertThatThrownBy(() -> JobsConfig.defaults().withRecordTtl(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jobs.record_ttl must be a positive duration, was PT0S");
    assertThatThrownBy(() -> JobsConfig.defaults().withLeaseDuration(Duration.ofMillis(500)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jobs.lease_duration must be >= PT1S, was PT0.5S");
  }

  @Test
  void dispatchIntervalMustAllowRenewalsWithinALease() {
    assertThatThrownBy(() -> JobsConfig.defaults().withDispatchInterval(Duration.ofSeconds(15)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageStartingWith("jobs.dispatch_interval (PT15S) must be <= a third of jobs.lease_duration");
  }

  @Test
  void queueDepthMustBePositive() {
    assertThatThrownBy(() -> JobsConfig.defaults().withQueueMaxDepth(0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jobs.queue_max_depth must be >= 1, was 0");
  }

  @Test
  void localLauncherSettingsAreValidated() {
    assertThatThrownBy(() -> new JobsConfig.Local(" ", Duration.ofMinutes(1), 4096))
        .hasMessage("jobs.local.command must not be blank, was  ");
    assertThatThrownBy(() -> new JobsConfig.Local("true", Duration.ofMinutes(1), 10))
        .hasMessage("jobs.local.log_limit_bytes must be >= 1024, was 10");
  }

  @Test
  void onCapacityParsesItsTwoValues() {
    assertThat(OnCapacity.parse("queue")).isEqualTo(OnCapacity.QUEUE);
    assertThat(OnCapacity.parse("REJECT")).isEqualTo(OnCapacity.REJECT);
    assertThatThrownBy(() -> OnCapacity.parse("drop"))
        .hasMessage("on_capacity must be one of queue, reject, was 'drop'");
  }
}
