package network.notifi.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class SecondsTest {

  @ParameterizedTest(name = "{0} ns -> {1} s")
  @CsvSource({
      "-5, 0",
      "0, 0",
      "1, 1",
      "999999999, 1",
      "1000000000, 1",
      "1000000001, 2",
      "9223372036854775807, 9223372037",
  })
  void roundsUpToWholeSeconds(long nanos, long seconds) {
    assertThat(Seconds.ceil(nanos)).isEqualTo(seconds);
  }
}
