package network.notifi.sluice.api.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ApiKeysTest {

  @Test
  void aKeyIsFoundByItsHashAmongMany() {
    List<ApiKey> many = new ArrayList<>();
    for (int i = 0; i < 100_000; i++) {
      many.add(key("customer-" + i, "secret-" + i));
    }
    var keys = ApiKeys.of(many);

    assertThat(keys.find("secret-77777")).map(ApiKey::thirdParty).contains("customer-77777");
    assertThat(keys.find("secret-100000")).isEmpty();
    assertThat(keys.find("")).isEmpty();
  }

  @Test
  void twoEntriesWithOneHashAreRefused() {
    assertThatThrownBy(() -> ApiKeys.of(List.of(key("a", "same"), key("b", "same"))))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("two API keys have the same sha256 (third party b)");
  }

  @Test
  void aKeyShowsNeitherItsHashNorItself() {
    assertThat(key("customer-1", "secret-1").toString())
        .isEqualTo("ApiKey[third_party=customer-1, namespaces=[default]]");
  }

  private static ApiKey key(String thirdParty, String secret) {
    return new ApiKey(thirdParty, ApiKeys.sha256(secret), Set.of("default"));
  }
}
