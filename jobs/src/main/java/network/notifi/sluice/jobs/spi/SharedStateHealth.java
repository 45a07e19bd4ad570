package network.notifi.sluice.jobs.spi;

import java.util.Objects;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What a shared backend tells build admission about itself, so that admission can degrade the way the
 * rate limiter does: whether the backend is known to be unreachable now, and how many replicas share
 * it. Thread-safe; no method blocks.
 */
public interface SharedStateHealth {

  /**
   * True while the backend is known to be unreachable (e.g. its circuit breaker is open): admission
   * then answers locally without asking it. False does not promise that a call succeeds.
   */
  boolean unavailable();

  /** The replicas sharing the backend at the last count, this one included; at least 1. */
  int liveReplicas();

  /** A backend in this process: never unavailable, one replica. */
  SharedStateHealth IN_PROCESS = of(() -> false, () -> 1);

  /** A health read from {@code unavailable} and {@code liveReplicas} on every call. */
  static SharedStateHealth of(BooleanSupplier unavailable, IntSupplier liveReplicas) {
    Objects.requireNonNull(unavailable, "unavailable");
    Objects.requireNonNull(liveReplicas, "liveReplicas");
    return new SharedStateHealth() {
      @Override
      public boolean unavailable() {
        return unavailable.getAsBoolean();
      }

      @Override
      public int liveReplicas() {
        return liveReplicas.getAsInt();
      }
    };
  }
}
