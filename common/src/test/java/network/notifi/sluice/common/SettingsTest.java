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
}
