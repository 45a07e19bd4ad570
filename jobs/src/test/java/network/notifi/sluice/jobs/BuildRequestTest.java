package network.notifi.sluice.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class BuildRequestTest {

  @ParameterizedTest
  @ValueSource(strings = {"a", "parser-1", "0abc", "a-b-c", "x23456789012345678901234567890123456789012345678901234567890123"})
  void dns1123LabelsAreValidParserIds(String id) {
    assertThat(BuildRequest.of(id).parserId()).isEqualTo(id);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "-a", "a-", "A", "a_b", "a.b", "a b", "x234567890123456789012345678901234567890123456789012345678901234"})
  void parserIdThatIsNoDns1123LabelIsRefusedNamingTheFieldAndRule(String id) {
    assertThatThrownBy(() -> BuildRequest.of(id))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("parser_id must be a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-',"
            + " starting and ending with a letter or digit), was \"");
  }

  @Test
  void missingParserIdIsRefused() {
    assertThatThrownBy(() -> BuildRequest.of(null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageEndingWith("was null");
  }

  @Test
  void namespaceIsValidatedLikeAParserId() {
    assertThatThrownBy(() -> BuildRequest.of("parser", "Prod_NS", null))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("namespace must be a DNS-1123 label");
    assertThat(BuildRequest.of("parser", "prod", null).namespace()).hasValue("prod");
    assertThat(BuildRequest.of("parser").namespace()).isEmpty();
  }

  @Test
  void thirdPartyIdMustBeShortAndPrintable() {
    assertThatThrownBy(() -> BuildRequest.of("parser", null, "evil\nid"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("third_party must be 1 to 128 characters, not blank, without control characters, was \"evil?id\"");
    assertThatThrownBy(() -> BuildRequest.of("parser", null, ""))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(BuildRequest.of("parser", null, "Customer 123/a").thirdParty()).hasValue("Customer 123/a");
  }

  @Test
  void thirdPartyIdFollowsTheEdgesRule128CharactersNotBlank() {
    assertThat(BuildRequest.of("parser", null, "a".repeat(128)).thirdParty()).hasValue("a".repeat(128));
    assertThatThrownBy(() -> BuildRequest.of("parser", null, "a".repeat(129)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> BuildRequest.of("parser", null, "   "))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
