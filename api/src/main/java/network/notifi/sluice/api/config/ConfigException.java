package network.notifi.sluice.api.config;

/**
 * Configuration that Sluice cannot start with. The message is one line naming the key, the value and
 * the rule, e.g. {@code rate_limiting.global_burst = 0 (from SLUICE_RATE_LIMITING_GLOBAL_BURST): must
 * be >= 1}.
 */
public final class ConfigException extends RuntimeException {

  public ConfigException(String message) {
    super(message);
  }

  public ConfigException(String message, Throwable cause) {
    super(message, cause);
  }
}
