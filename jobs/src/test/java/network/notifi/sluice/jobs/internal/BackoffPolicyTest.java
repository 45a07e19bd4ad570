package network.notifi.sluice.jobs.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class BackoffPolicyTest {

  private final BackoffPolicy policy = new BackoffPolicy(Duration.ofMinutes(5), Duration.ofHours(1));

  @ParameterizedTest(name = "failure {0} in a row opens {1}")
  @CsvSource({"1, PT5M", "2, PT10M", "3, PT20M", "4, PT40M", "5, PT1H", "6, PT1H", "100, PT1H", "2147483647, PT1H"})
  void windowDoublesPerConsecutiveFailureUpToTheMaximum(int failures, Duration window) {
    assertThat(policy.windowAfter(failures)).isEqualTo(window);
  }

  @Test
  void windowOfAnUnevenMaximumIsCappedExactly() {
    var uneven = new BackoffPolicy(Duration.ofMinutes(5), Duration.ofMinutes(12));

    assertThat(uneven.windowAfter(3)).isEqualTo(Duration.ofMinutes(12));
  }

  @Test
  void countBelowOneIsAProgrammingError() {
    assertThatThrownBy(() -> policy.windowAfter(0)).isInstanceOf(IllegalArgumentException.class);
  }
}
