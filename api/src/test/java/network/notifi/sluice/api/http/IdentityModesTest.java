package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.config.ConfigException;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.identity.IdentityMode;
import org.junit.jupiter.api.Test;

/** {@code identity.mode}: header by default, none, and api_key's settings. */
class IdentityModesTest {

  @Test
  void headerModeIsTheDefault() {
    assertThat(ConfigLoader.load(Optional.empty(), Map.of()).identity().mode()).isEqualTo(IdentityMode.HEADER);
  }

  @Test
  void inNoneModeNoRequestHasAThirdParty() {
    try (var running = RunningApp.start(Map.of("SLUICE_IDENTITY_MODE", "none"))) {
      var client = running.client();

      var response = client.send(client.buildStart("parser-1")
          .header("X-Third-Party-ID", "customer-1").header("Ce-Source", "customer-1"));

      assertThat(response.statusCode()).isEqualTo(202);
      assertThat(json(response).get("third_party").isNull()).isTrue();
      assertThat(response.headers().firstValue("RateLimit-Policy").orElseThrow()).doesNotContain("third_party");
    }
  }

  @Test
  void inlineKeysAreReadFromTheFile() {
    var config = ConfigLoader.loadYaml("""
        identity:
          mode: api_key
          api_keys:
            - third_party: customer-1
              sha256: %s
              namespaces: [default]
        """.formatted(ApiKeyIdentityTest.sha256("secret-1")), Map.of());

    var key = config.identity().apiKeys().find("secret-1");

    assertThat(key).map(k -> k.thirdParty()).contains("customer-1");
    assertThat(config.identity().apiKeys().find("secret-2")).isEmpty();
    assertThat(key.orElseThrow().toString()).doesNotContain(ApiKeyIdentityTest.sha256("secret-1"));
  }

  @Test
  void apiKeyModeNeedsKeys() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_IDENTITY_MODE", "api_key")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("identity.mode api_key needs identity.api_keys or identity.api_keys_file");
  }

  @Test
  void aKeyNamingANamespaceNobodyConfiguredIsAConfigurationError() {
    assertThatThrownBy(() -> ConfigLoader.loadYaml("""
        identity:
          mode: api_key
          api_keys:
            - {third_party: customer-1, sha256: %s, namespaces: [kube-system]}
        """.formatted(ApiKeyIdentityTest.sha256("secret-1")), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("identity.api_keys: the key of third party customer-1 names namespace kube-system,"
            + " which is not configured (jobs.namespaces)");
  }

  @Test
  void aKeyThatIsNotAHashIsAConfigurationError() {
    assertThatThrownBy(() -> ConfigLoader.loadYaml("""
        identity:
          api_keys:
            - {third_party: customer-1, sha256: my-plain-key, namespaces: [default]}
        """, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("identity.api_keys[0]: sha256 of third party customer-1 must be 64 hex digits");
  }

  @Test
  void aMissingKeysFileIsAConfigurationError() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of(
            "SLUICE_IDENTITY_MODE", "api_key", "SLUICE_IDENTITY_API_KEYS_FILE", "/nonexistent/keys.yaml")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("identity.api_keys_file = /nonexistent/keys.yaml (from SLUICE_IDENTITY_API_KEYS_FILE):"
            + " must be a readable file");
  }
}
