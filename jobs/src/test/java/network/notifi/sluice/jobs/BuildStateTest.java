package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class BuildStateTest {

  @ParameterizedTest
  @EnumSource(BuildState.class)
  void everyStateRoundTripsThroughItsCode(BuildState state) {
    assertThat(BuildState.ofCode(state.code())).isSameAs(state);
  }

  @ParameterizedTest
  @ValueSource(strings = {"paused", "", "RUNNING", "Queued", " running"})
  void aCodeNoStateHasIsRefusedNamingTheValueAndTheCodes(String code) {
    assertThatThrownBy(() -> BuildState.ofCode(code))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no build state has code '" + code + "' (the codes are queued, running, succeeded, failed)");
  }

  @Test
  void aMissingCodeIsRefusedNamingNull() {
    assertThatThrownBy(() -> BuildState.ofCode(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("no build state has code null (the codes are queued, running, succeeded, failed)");
  }
}
