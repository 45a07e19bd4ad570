package network.notifi.sluice.api;

import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.config.SluiceConfig;

/** Configuration for a Sluice under test: the seed's defaults on a free loopback port. */
public final class TestConfigs {

  private TestConfigs() {}

  /**
   * The defaults, free public and admin ports on 127.0.0.1, and local builds that run until the app stops (so a test
   * decides when builds end), overridden by {@code env} (variables as in production).
   */
  public static SluiceConfig config(Map<String, String> env) {
    Map<String, String> all = new HashMap<>();
    all.put("SLUICE_PORT", "0");
    all.put("SLUICE_SERVER_ADMIN_PORT", "0");
    all.put("SLUICE_SERVER_HOST", "127.0.0.1");
    all.put("SLUICE_JOBS_LOCAL_COMMAND", "sleep 600");
    all.putAll(env);
    return ConfigLoader.load(Optional.empty(), all);
  }

  public static SluiceConfig config() {
    return config(Map.of());
  }
}
