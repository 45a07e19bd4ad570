package network.notifi.sluice.loadtest.harness;

import java.util.List;

/**
 * The limiter's counters summed over every replica. Levels are asked third party, endpoint, global; a refusal gives the
 * earlier levels their token back, so what a level kept is what it let through minus what the later
 * levels refused.
 */
record Totals(double requestsThirdParty, double rejectedThirdParty, double requestsEndpoint,
    double rejectedEndpoint, double requestsGlobal, double rejectedGlobal) {

  static Totals of(List<Replica> replicas) throws Exception {
    List<Metrics> scrapes = new java.util.ArrayList<>();
    for (Replica r : replicas) {
      scrapes.add(r.metrics());
    }
    return from(scrapes);
  }

  /** The totals in scrapes of every replica's {@code /metrics}. */
  static Totals from(List<Metrics> scrapes) {
    double[] v = new double[6];
    for (Metrics m : scrapes) {
      String[] levels = {"third_party", "endpoint", "global"};
      for (int i = 0; i < 3; i++) {
        v[2 * i] += m.sum("rate_limit_requests_total", "limit_type", levels[i]);
        v[2 * i + 1] += m.sum("rate_limit_rejected_total", "limit_type", levels[i]);
      }
    }
    return new Totals(v[0], v[1], v[2], v[3], v[4], v[5]);
  }

  /** The counts since {@code before}. */
  Totals minus(Totals b) {
    return new Totals(requestsThirdParty - b.requestsThirdParty, rejectedThirdParty - b.rejectedThirdParty,
        requestsEndpoint - b.requestsEndpoint, rejectedEndpoint - b.rejectedEndpoint,
        requestsGlobal - b.requestsGlobal, rejectedGlobal - b.rejectedGlobal);
  }

  /** Tokens the global bucket kept: requests it admitted. */
  double admittedGlobal() {
    return requestsGlobal - rejectedGlobal;
  }

  /** Tokens the endpoint bucket kept: admitted there and not refused (refunded) at the global level. */
  double admittedEndpoint() {
    return requestsEndpoint - rejectedEndpoint - rejectedGlobal;
  }
}
