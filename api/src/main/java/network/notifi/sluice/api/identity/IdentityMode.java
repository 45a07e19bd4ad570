package network.notifi.sluice.api.identity;

/** How Sluice knows who is calling ({@code identity.mode}). */
public enum IdentityMode {
  /**
   * {@code Authorization: Bearer <key>}; the key names the third party and its namespaces. Nothing
   * else the client writes can change who it is.
   */
  API_KEY,
  /**
   * {@code X-Third-Party-ID}, else the CloudEvent {@code source}, trusted as written: for deployments
   * behind a gateway that authenticates callers. The embedded default.
   */
  HEADER,
  /** No third party at all: every request is anonymous (the third-party level follows {@code rate_limiting.anonymous}). */
  NONE
}
