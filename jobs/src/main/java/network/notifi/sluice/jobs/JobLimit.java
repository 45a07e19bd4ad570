package network.notifi.sluice.jobs;

/**
 * The limit a build found full when it could not take a slot: clients see it as {@code limit} beside
 * {@code reason: job_limit}, so they can tell a busy namespace from a cap across namespaces.
 */
public enum JobLimit {
  /** The slots of the build's namespace ({@code rate_limiting.max_concurrent_jobs}, {@code jobs.namespace_limits}). */
  NAMESPACE("namespace"),
  /** The cap across all namespaces ({@code jobs.max_concurrent_total}). */
  TOTAL("total"),
  /** The cap of the build's third party across all namespaces ({@code jobs.max_concurrent_per_third_party}). */
  THIRD_PARTY("third_party");

  private final String code;

  JobLimit(String code) {
    this.code = code;
  }

  /** The stable name in answers, logs and scripts. */
  public String code() {
    return code;
  }

  /** The limit named {@code code}. */
  public static JobLimit ofCode(String code) {
    for (JobLimit limit : values()) {
      if (limit.code.equals(code)) {
        return limit;
      }
    }
    throw new IllegalArgumentException("no job limit named " + code);
  }
}
