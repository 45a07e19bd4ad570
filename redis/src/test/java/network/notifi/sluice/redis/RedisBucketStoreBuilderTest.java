package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.Test;

/** The store's settings are checked with the wording of every other setting: name, rule, value. */
class RedisBucketStoreBuilderTest {

  private final RedisBucketStoreBuilder builder = RedisBucketStore.builder(SharedClients.standalone());

  @Test
  void decisionTimeoutMustBePositive() {
    assertThatThrownBy(() -> builder.decisionTimeout(Duration.ZERO))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("decisionTimeout must be a positive duration, was PT0S");
  }

  @Test
  void keepIdleFullMustNotBeNegative() {
    assertThatThrownBy(() -> builder.keepIdleFull(Duration.ofSeconds(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("keepIdleFull must be zero or a positive duration, was PT-1S");
  }

  @Test
  void refusalMaxAgeMustNotBeNegative() {
    assertThatThrownBy(() -> builder.refusalMaxAge(Duration.ofMillis(-1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("refusalMaxAge must be zero or a positive duration, was PT-0.001S");
  }

  @Test
  void zeroIsAllowedWhereTheRuleSaysSo() {
    builder.keepIdleFull(Duration.ZERO).refusalMaxAge(Duration.ZERO).build();
  }
}
