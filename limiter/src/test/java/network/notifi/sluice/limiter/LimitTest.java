package network.notifi.sluice.limiter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class LimitTest {

  @Test
  void rateMustBePositive() {
    assertThatThrownBy(() -> Limit.of(0, 10))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("rate must be >= 1 per second, was 0");
  }

  @Test
  void burstMustBePositive() {
    assertThatThrownBy(() -> Limit.of(10, 0))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("burst must be >= 1, was 0");
  }

  @ParameterizedTest(name = "rate {0} burst {1}: window {2} s")
  @CsvSource({"50, 100, 2", "100, 200, 2", "10, 20, 2", "3, 10, 4", "100, 1, 1", "1, 1, 1"})
  void windowIsTheTimeToRefillTheBurstRoundedUp(long rate, long burst, long window) {
    assertThat(Limit.of(rate, burst).windowSeconds()).isEqualTo(window);
  }

  @ParameterizedTest(name = "rate {0}: {1} tokens in {2} ns")
  @CsvSource({"10, 1, 100000000", "3, 1, 333333334", "3, 3, 1000000000", "7, 0, 0"})
  void refillTimeIsNeverShort(long rate, long tokens, long nanos) {
    assertThat(Limit.of(rate, 10).nanosToRefill(tokens)).isEqualTo(nanos);
  }
}
