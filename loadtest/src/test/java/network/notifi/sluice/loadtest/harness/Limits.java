package network.notifi.sluice.loadtest.harness;

import java.util.LinkedHashMap;
import java.util.Map;

/** The limits the replicas run with in one scenario, and the environment that sets them. */
record Limits(double globalRps, double globalBurst, double endpointRps, double endpointBurst,
    double thirdPartyRps, double thirdPartyBurst, int maxConcurrentJobs) {

  /** The seed's configuration. */
  static final Limits SEED = new Limits(100, 200, 50, 100, 10, 20, 10);
  /** Room at the shared levels for many well-behaved third parties; the seed's third-party bucket. */
  static final Limits MIXED = new Limits(1000, 2000, 500, 1000, 10, 20, 100000);
  /** Everything admitted: measures the cost of a decision, not of refusals. */
  static final Limits UNLIMITED = new Limits(1e6, 1e6, 1e6, 1e6, 1e6, 1e6, 100000);
  /** Roomy shared levels, a third-party bucket of 1/s burst 1: a flooding third party is refused at once. */
  static final Limits FLOOD = new Limits(1e6, 1e6, 1e6, 1e6, 1, 1, 100000);

  Map<String, String> env() {
    Map<String, String> e = new LinkedHashMap<>();
    e.put("SLUICE_RATE_LIMITING_GLOBAL_RPS", fmt(globalRps));
    e.put("SLUICE_RATE_LIMITING_GLOBAL_BURST", fmt(globalBurst));
    e.put("SLUICE_RATE_LIMITING_BUILD_START_RPS", fmt(endpointRps));
    e.put("SLUICE_RATE_LIMITING_BUILD_START_BURST", fmt(endpointBurst));
    e.put("SLUICE_RATE_LIMITING_THIRD_PARTY_RPS", fmt(thirdPartyRps));
    e.put("SLUICE_RATE_LIMITING_THIRD_PARTY_BURST", fmt(thirdPartyBurst));
    e.put("SLUICE_RATE_LIMITING_MAX_CONCURRENT_JOBS", Integer.toString(maxConcurrentJobs));
    return e;
  }

  private static String fmt(double v) {
    return Long.toString((long) v);
  }
}
