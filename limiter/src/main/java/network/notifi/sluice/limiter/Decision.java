package network.notifi.sluice.limiter;

import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import network.notifi.sluice.limiter.spi.TokenProbe;

/**
 * The limiter's answer for one request: allowed or not, which level refused, and the state of every
 * level that was asked, so that response headers and {@code Retry-After} follow from it.
 *
 * <p>An allowed decision holds one token of every level it took one from, until {@link
 * MultiLevelLimiter#giveBack} returns them (at most once). Otherwise immutable; thread-safe.
 */
public final class Decision {

  private static final Comparator<LevelResult> MOST_CONSTRAINED =
      Comparator.comparingLong(LevelResult::remaining)
          .thenComparingLong(r -> r.limit().burst());

  private final List<LevelResult> enforced;
  private final List<LevelResult> shadowRefusals;
  private final LevelResult refusal;
  private final List<Taken> taken;
  private final AtomicBoolean givenBack = new AtomicBoolean();

  /** A token this decision holds: the level's result and the probe of the store call that took it. */
  record Taken(LevelResult result, TokenProbe probe) {}

  Decision(List<LevelResult> enforced, List<LevelResult> shadowRefusals, LevelResult refusal, List<Taken> taken) {
    this.enforced = List.copyOf(enforced);
    this.shadowRefusals = List.copyOf(shadowRefusals);
    this.refusal = refusal;
    this.taken = List.copyOf(taken);
  }

  /** The tokens this decision holds, handed out once: empty after the first call, and for a refusal (it holds none). */
  List<Taken> tokensToGiveBack() {
    return givenBack.compareAndSet(false, true) ? taken : List.of();
  }

  /** This decision as the buckets stand once its tokens were given back: each applied level one token fuller. */
  Decision afterGivingBack() {
    List<LevelResult> refunded = enforced.stream().map(r -> r.consumed() ? r.refunded() : r).toList();
    var after = new Decision(refunded, shadowRefusals, refusal, List.of());
    after.givenBack.set(true);
    return after;
  }

  public boolean allowed() {
    return refusal == null;
  }

  /** The level that refused the request; empty when it was allowed. */
  public Optional<LevelResult> refusal() {
    return Optional.ofNullable(refusal);
  }

  /**
   * The enforced levels that were asked, most specific first. When the third-party level refused,
   * the shared levels were not asked; otherwise every level was. Levels in shadow mode are not listed
   * here.
   */
  public List<LevelResult> applied() {
    return enforced;
  }

  /** Levels in shadow mode that would have refused this request. */
  public List<LevelResult> shadowRefusals() {
    return shadowRefusals;
  }

  /**
   * The level closest to refusing: the refusing level, else the applied level with the fewest
   * tokens left (the smaller bucket on a tie). Empty only when no enforced level applied.
   */
  public Optional<LevelResult> mostConstrained() {
    if (refusal != null) {
      return Optional.of(refusal);
    }
    return enforced.stream().min(MOST_CONSTRAINED);
  }

  /** When refused: nanoseconds until the refusing level has a token again; otherwise 0. */
  public long retryAfterNanos() {
    return refusal == null ? 0 : refusal.nanosToNextToken();
  }

  @Override
  public String toString() {
    return allowed()
        ? "Decision[allowed, applied=" + enforced + "]"
        : "Decision[refused by " + refusal.level() + ", applied=" + enforced + "]";
  }
}
