package network.notifi.sluice.loadtest.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The bounds a run must respect, from token-bucket arithmetic. A bucket of capacity {@code b}
 * refilling at {@code r}/s, starting full, can admit at most {@code b + r * T} in a window of {@code T}
 * seconds (T = first request sent to last answer received). Under demand that exceeds it throughout,
 * it admits at least 95 % of {@code min(demand, b + r * (Ts - 1 s))} (Ts = first to last request
 * sent): less would be under-admission. The second taken off Ts is the uncertainty about when the
 * replicas actually decided (a burst is sent over about a second but decided in less), so a burst
 * must get at least 95 % of its bucket's capacity. The lower bound is claimed only for a burst or for
 * demand sent at 1.5 times the refill rate or more: below that a load generator that falls behind
 * and catches up in bursts leaves tokens unused without any fault of the limiter. One token of slack on the upper bound covers the refill in the
 * ms between the harness's clock and the replicas'; the Redis store's batching admits nothing
 * beyond an unoptimized store, so no optimization overshoot is added.
 */
final class Expectations {
  static final double OVERSHOOT = 0;
  static final double SLACK = 1;
  static final double DECISION_WINDOW_UNCERTAINTY_S = 1.0;

  private Expectations() {}

  static List<Check> forScenario(Scenario s, Limits l, Outcomes out, Totals t, Map<String, String> params) {
    List<Check> c = new ArrayList<>();
    long answers = out.count("");
    c.add(Check.of("traffic was answered", answers > 0, answers + " answers counted"));
    c.add(Check.of("every answer expected (no 5xx)", out.ko() == 0, out.ko() + " unexpected answers"));
    switch (s) {
      case GLOBAL_BURST -> {
        sharedLevels(c, l, out, t);
        long admitted = out.count("build.start.202");
        c.add(Check.of("answers match the limiter's count", admitted == (long) t.admittedGlobal(),
            admitted + " answered 202, " + (long) t.admittedGlobal() + " admitted per /metrics"));
      }
      case THIRD_PARTY_BURST -> {
        sharedLevels(c, l, out, t);
        long demand = out.count("flooding third party.");
        bucket(c, "flooding third party's bucket (from answers)", out.count("flooding third party.202"),
            demand, l.thirdPartyBurst(), l.thirdPartyRps(), 1, out);
        long other = out.count("other third party.202");
        long otherSent = out.count("other third party.");
        c.add(Check.of("another third party unaffected", other == otherSent,
            other + " of " + otherSent + " admitted"));
      }
      case SUSTAINED, SPIKE -> {
        sharedLevels(c, l, out, t);
        int abusive = Integer.parseInt(params.getOrDefault("sluice.abusive.count", "2"));
        bucket(c, "abusive third parties' buckets (from answers)", out.count("abusive.2"),
            out.count("abusive."), l.thirdPartyBurst(), l.thirdPartyRps(), abusive, out);
        long refused = out.count("abusive.429");
        long sent = out.count("abusive.");
        c.add(Check.of("abusive excess refused", refused > 0 && sent > 0,
            String.format("%d of %d abusive requests refused (%.0f %%)", refused, sent,
                sent == 0 ? 0 : 100.0 * refused / sent)));
        long wb = out.count("well-behaved.2");
        long wbSent = out.count("well-behaved.");
        c.add(Check.of("well-behaved third parties all admitted", wb == wbSent && wbSent > 0,
            wb + " of " + wbSent + " admitted"));
      }
      case JOB_LIMIT -> {
        int n = Integer.parseInt(params.getOrDefault("sluice.requests", "15"));
        long running = out.count("build.start.202.running");
        long queued = out.count("build.start.202.queued");
        long refused = out.count("build.start.503");
        int cap = l.maxConcurrentJobs();
        c.add(Check.of("running = min(cap, builds)", running == Math.min(cap, n),
            running + " running, expected " + Math.min(cap, n)));
        c.add(Check.of("the rest queued or refused with job_limit", running + queued + refused == n,
            queued + " queued, " + refused + " refused (503 job_limit) of " + n));
      }
      case FAILURE_BACKOFF -> c.add(Check.of("second start refused with build_backoff",
          out.count("start inside the backoff window.429.build_backoff") == 1,
          out.count("start inside the backoff window.") + " answers, "
              + out.count("start inside the backoff window.429.build_backoff") + " build_backoff"));
      default -> { }
    }
    return c;
  }

  /**
   * Endpoint and global levels, from the replicas' own counters. Each stays within its own bound. A
   * request is admitted only when both levels keep a token, so together they admit what the tighter
   * of the two allows: the lower bound is claimed once, for the pair, from the tighter level and the
   * requests that reached them. (Claiming it for the looser level alone would call the tighter
   * level's refusals under-admission.)
   */
  private static void sharedLevels(List<Check> c, Limits l, Outcomes out, Totals t) {
    withinBound(c, "endpoint bucket (all replicas' /metrics)", t.admittedEndpoint(), l.endpointBurst(),
        l.endpointRps(), 1, out);
    withinBound(c, "global bucket (all replicas' /metrics)", t.admittedGlobal(), l.globalBurst(),
        l.globalRps(), 1, out);
    double window = decisionWindow(out);
    boolean endpointTighter = l.endpointBurst() + l.endpointRps() * window
        <= l.globalBurst() + l.globalRps() * window;
    noUnderAdmission(c, "shared levels (the tighter is " + (endpointTighter ? "endpoint" : "global") + ")",
        Math.min(t.admittedEndpoint(), t.admittedGlobal()), t.requestsEndpoint(),
        endpointTighter ? l.endpointBurst() : l.globalBurst(),
        endpointTighter ? l.endpointRps() : l.globalRps(), 1, out);
  }

  /** {@code buckets} buckets of one kind sharing the demand evenly: both bounds. */
  static void bucket(List<Check> c, String what, double admitted, double demand, double burst, double rps,
      int buckets, Outcomes out) {
    withinBound(c, what, admitted, burst, rps, buckets, out);
    noUnderAdmission(c, what, admitted, demand, burst, rps, buckets, out);
  }

  private static void withinBound(List<Check> c, String what, double admitted, double burst, double rps,
      int buckets, Outcomes out) {
    double upper = buckets * (burst + rps * out.span() + OVERSHOOT + SLACK);
    c.add(Check.of(what + " within bound", admitted <= upper,
        String.format("admitted %.0f <= %.1f (= %d x (%.0f + %.0f/s x %.2f s + %.0f))", admitted, upper,
            buckets, burst, rps, out.span(), OVERSHOOT + SLACK)));
  }

  private static void noUnderAdmission(List<Check> c, String what, double admitted, double demand,
      double burst, double rps, int buckets, Outcomes out) {
    double window = decisionWindow(out);
    double lower = 0.95 * Math.min(demand, buckets * (burst + rps * window));
    double sendRate = out.sendSpan() > 1 ? demand / buckets / out.sendSpan() : Double.POSITIVE_INFINITY;
    boolean saturated = demand > buckets * burst && sendRate >= 1.5 * rps;
    if (!saturated && demand > buckets * burst) {
      c.add(Check.of(what + " no under-admission", true, String.format(
          "not claimed: demand %.1f/s per bucket is not clearly above the refill %.0f/s (the load"
              + " generator fell behind), so tokens may legitimately go unused", sendRate, rps)));
      return;
    }
    c.add(Check.of(what + " no under-admission", admitted >= lower,
        String.format("admitted %.0f >= %.1f (95 %% of min(demand %.0f, %d x (%.0f + %.0f/s x %.2f s)))",
            admitted, lower, demand, buckets, burst, rps, window)));
  }

  private static double decisionWindow(Outcomes out) {
    return Math.max(0, out.sendSpan() - DECISION_WINDOW_UNCERTAINTY_S);
  }
}
