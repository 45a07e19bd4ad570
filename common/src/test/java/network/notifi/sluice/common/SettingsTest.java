package network.notifi.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class SettingsTest {

  enum Mode { NONE, STANDALONE, CLUSTER }

  @Test
  void enumParsesAnyCaseAndIgnoresSurroundingBlanks() {
    assertThat(Settings.parseEnum(Mode.class, "redis.mode", "Cluster")).isEqualTo(Mode.CLUSTER);
    assertThat(Settings.parseEnum(Mode.class, "redis.mode", " none ")).isEqualTo(Mode.NONE);
  }

  @Test
  void unknownEnumValueNamesTheKeyTheChoicesAndTheValue() {
    assertThatThrownBy(() -> Settings.parseEnum(Mode.class, "redis.mode", "sentinel"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redis.mode must be one of none, standalone, cluster, was 'sentinel'");
    assertThatThrownBy(() -> Settings.parseEnum(Mode.class, "redis.mode", null))
        .hasMessage("redis.mode must be one of none, standalone, cluster, was 'null'");
  }

  @Test
  void positiveDurationIsReturned() {
    assertThat(Settings.requirePositive("jobs.record_ttl", Duration.ofMillis(1))).isEqualTo(Duration.ofMillis(1));
  }

  @Test
  void zeroNegativeOrMissingDurationIsRefusedNamingTheKey() {
    assertThatThrownBy(() -> Settings.requirePositive("jobs.record_ttl", Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("jobs.record_ttl must be a positive duration, was PT0S");
    assertThatThrownBy(() -> Settings.requirePositive("jobs.record_ttl", Duration.ofSeconds(-1)))
        .hasMessage("jobs.record_ttl must be a positive duration, was PT-1S");
    assertThatThrownBy(() -> Settings.requirePositive("jobs.record_ttl", null))
        .hasMessage("jobs.record_ttl must be a positive duration, was null");
  }

  @Test
  void zeroOrPositiveDurationIsReturnedAndNegativeOrMissingIsRefused() {
    assertThat(Settings.requireNotNegative("maintenanceEvery", Duration.ZERO)).isEqualTo(Duration.ZERO);
    assertThatThrownBy(() -> Settings.requireNotNegative("maintenanceEvery", Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("maintenanceEvery must be zero or a positive duration, was PT-0.001S");
    assertThatThrownBy(() -> Settings.requireNotNegative("maintenanceEvery", null))
        .hasMessage("maintenanceEvery must be zero or a positive duration, was null");
  }

  @Test
  void findEnumIsEmptyForAnUnknownNameAndMustBeOneOfListsTheChoices() {
    assertThat(Settings.findEnum(Mode.class, " STANDALONE")).contains(Mode.STANDALONE);
    assertThat(Settings.findEnum(Mode.class, "sentinel")).isEmpty();
    assertThat(Settings.findEnum(Mode.class, null)).isEmpty();
    assertThat(Settings.mustBeOneOf(Mode.class)).isEqualTo("must be one of none, standalone, cluster");
  }
}
