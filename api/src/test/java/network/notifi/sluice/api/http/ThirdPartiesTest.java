package network.notifi.sluice.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.util.Optional;
import network.notifi.sluice.jobs.Names;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ThirdPartiesTest {

  private static final String RULE = "X-Third-Party-ID header must be 1 to " + Names.MAX_THIRD_PARTY_LENGTH
      + " characters, not blank, without control characters, was ";

  @Test
  void anIdOfTheLongestAllowedLengthIsAccepted() {
    String longest = "x".repeat(Names.MAX_THIRD_PARTY_LENGTH);

    assertThat(ThirdParties.identify(longest, null, false)).contains(longest);
  }

  @ParameterizedTest
  @ValueSource(strings = {"   ", "tab\there", "bell\u0007"})
  void blankIdsAndControlCharactersAreRefusedWithTheOneRule(String id) {
    var refused = catchThrowableOfType(
        Problem.ProblemException.class, () -> ThirdParties.identify(id, null, false)).problem();

    assertThat(refused.status()).isEqualTo(400);
    assertThat(refused.reason()).isEqualTo("invalid_third_party");
    assertThat(refused.detail()).startsWith(RULE);
  }

  @Test
  void anIdOneCharacterTooLongIsRefusedWithTheSameRule() {
    var refused = catchThrowableOfType(
        Problem.ProblemException.class,
        () -> ThirdParties.identify("x".repeat(Names.MAX_THIRD_PARTY_LENGTH + 1), null, false)).problem();

    assertThat(refused.reason()).isEqualTo("invalid_third_party");
    assertThat(refused.detail()).startsWith(RULE);
  }

  @Test
  void theEventSourceIsCheckedByTheSameRuleWhenNoHeaderNamesTheCaller() {
    var refused = catchThrowableOfType(
        Problem.ProblemException.class, () -> ThirdParties.identify(null, " ", true)).problem();

    assertThat(refused.detail()).startsWith("event source must be 1 to " + Names.MAX_THIRD_PARTY_LENGTH);
    assertThat(ThirdParties.identify("", "ci", true)).isEqualTo(Optional.of("ci"));
  }
}
