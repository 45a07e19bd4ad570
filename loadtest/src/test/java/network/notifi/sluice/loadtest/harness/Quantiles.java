package network.notifi.sluice.loadtest.harness;

import java.util.ArrayList;
import java.util.List;

/** Quantiles of measured values, nearest rank (the smallest value at or above the share {@code q}). */
final class Quantiles {

  private Quantiles() {}

  /** The {@code q} quantile of {@code values} (in any order), NaN when there are none. */
  static double nearestRank(List<Double> values, double q) {
    if (values.isEmpty()) {
      return Double.NaN;
    }
    List<Double> s = new ArrayList<>(values);
    s.sort(null);
    return s.get(Math.max(0, Math.min(s.size() - 1, (int) Math.ceil(q * s.size()) - 1)));
  }
}
