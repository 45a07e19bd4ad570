package network.notifi.sluice.loadtest.harness;

import java.util.List;

/**
 * The limiter's counters summed over every replica, and the tokens each shared level kept. A
 * service that counts them says so directly ({@code rate_limit_admitted_total}, less {@code
 * rate_limit_given_back_total}: tokens of requests refused after the limiter); for an older jar
 * they follow from its order (third party, endpoint, global, one after another, a refusal giving the
 * earlier levels their token back): what a level let through minus what the later levels refused.
 */
record Totals(double requestsThirdParty, double rejectedThirdParty, double requestsEndpoint,
    double rejectedEndpoint, double requestsGlobal, double rejectedGlobal, double keptEndpoint,
    double keptGlobal) {

  static Totals of(List<Replica> replicas) throws Exception {
    List<Metrics> scrapes = new java.util.ArrayList<>();
    for (Replica r : replicas) {
      scrapes.add(r.metrics());
    }
    return from(scrapes);
  }

  /** The totals in scrapes of every replica's {@code /metrics}. */
  static Totals from(List<Metrics> scrapes) {
    String[] levels = {"third_party", "endpoint", "global"};
    double[] v = new double[8];
    for (Metrics m : scrapes) {
      for (int i = 0; i < 3; i++) {
        v[2 * i] += m.sum("rate_limit_requests_total", "limit_type", levels[i]);
        v[2 * i + 1] += m.sum("rate_limit_rejected_total", "limit_type", levels[i]);
      }
      boolean counted = m.has("rate_limit_admitted_total");
      v[6] += counted ? kept(m, "endpoint")
          : m.sum("rate_limit_requests_total", "limit_type", "endpoint")
              - m.sum("rate_limit_rejected_total", "limit_type", "endpoint")
              - m.sum("rate_limit_rejected_total", "limit_type", "global");
      v[7] += counted ? kept(m, "global")
          : m.sum("rate_limit_requests_total", "limit_type", "global")
              - m.sum("rate_limit_rejected_total", "limit_type", "global");
    }
    return new Totals(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7]);
  }

  /** Tokens a level kept: taken for admitted requests, less those given back (0 when not counted). */
  private static double kept(Metrics m, String level) {
    double givenBack = m.has("rate_limit_given_back_total") ? m.sum("rate_limit_given_back_total", "limit_type", level) : 0;
    return m.sum("rate_limit_admitted_total", "limit_type", level) - givenBack;
  }

  /** The counts since {@code before}. */
  Totals minus(Totals b) {
    return new Totals(requestsThirdParty - b.requestsThirdParty, rejectedThirdParty - b.rejectedThirdParty,
        requestsEndpoint - b.requestsEndpoint, rejectedEndpoint - b.rejectedEndpoint,
        requestsGlobal - b.requestsGlobal, rejectedGlobal - b.rejectedGlobal, keptEndpoint - b.keptEndpoint,
        keptGlobal - b.keptGlobal);
  }

  /** Tokens the global bucket kept: requests admitted. */
  double admittedGlobal() {
    return keptGlobal;
  }

  /** Tokens the endpoint bucket kept: requests admitted. */
  double admittedEndpoint() {
    return keptEndpoint;
  }
}
