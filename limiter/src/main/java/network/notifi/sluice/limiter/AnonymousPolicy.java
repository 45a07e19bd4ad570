package network.notifi.sluice.limiter;

/** What the third-party level does with a request that names no third party. */
public enum AnonymousPolicy {
  /**
   * Skip the third-party level; the global and endpoint levels still apply. This is the default:
   * unidentified callers cannot exhaust a bucket that identified third parties depend on, and they
   * stay bounded by the endpoint and global limits.
   */
  SKIP,
  /**
   * Put every unidentified request into one shared {@code anonymous} third-party bucket, so that
   * unidentified traffic as a whole is held to the third-party limit.
   */
  SHARED
}
