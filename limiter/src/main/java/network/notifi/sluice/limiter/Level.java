package network.notifi.sluice.limiter;

/**
 * A level of rate limiting. A request is checked against every level that applies to it, the most
 * specific first.
 */
public enum Level {
  /** One bucket for all requests to all endpoints. */
  GLOBAL("global"),
  /** One bucket per endpoint name, e.g. {@code build.start}. */
  ENDPOINT("endpoint"),
  /** One bucket per third party, created on first use. */
  THIRD_PARTY("third_party");

  private final String code;

  Level(String code) {
    this.code = code;
  }

  /**
   * The stable name of this level, as used in configuration, metrics ({@code limit_type}), headers
   * and the {@code reason} of a refusal.
   */
  public String code() {
    return code;
  }

  @Override
  public String toString() {
    return code;
  }
}
