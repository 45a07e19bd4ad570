package network.notifi.sluice.api.config;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import network.notifi.sluice.api.identity.ApiKeys;
import network.notifi.sluice.api.identity.ApiKeysFile;
import network.notifi.sluice.api.identity.IdentityMode;
import network.notifi.sluice.jobs.JobsConfig;

/** The {@code identity} section: the mode, and the API keys inline or in a file, checked against the namespaces. */
final class IdentitySettings {

  private IdentitySettings() {}

  static SluiceConfig.Identity read(ConfigSource source, JobsConfig jobs) {
    var d = SluiceConfig.Identity.defaults();
    IdentityMode mode = source.enumValue("identity.mode", d.mode());
    String file = source.string("identity.api_keys_file", "");
    ApiKeys inline;
    try {
      inline = ApiKeys.parse(source.tree("identity.api_keys"), "identity.api_keys");
      ApiKeysFile.requireConfiguredNamespaces(inline, "identity.api_keys", jobs::isConfigured);
    } catch (IllegalArgumentException e) {
      throw new ConfigException(e.getMessage());
    }
    Optional<Path> keysFile = file.isBlank() ? Optional.empty() : Optional.of(Path.of(file));
    keysFile.ifPresent(path -> {
      if (!Files.isReadable(path)) {
        throw source.error("identity.api_keys_file", file, "must be a readable file");
      }
      try {
        ApiKeysFile.load(path, jobs::isConfigured);
      } catch (IllegalArgumentException e) {
        throw new ConfigException("identity.api_keys_file: " + e.getMessage());
      }
    });
    try {
      return new SluiceConfig.Identity(mode, inline, keysFile);
    } catch (IllegalArgumentException | IllegalStateException e) {
      throw new ConfigException(e.getMessage());
    }
  }
}
