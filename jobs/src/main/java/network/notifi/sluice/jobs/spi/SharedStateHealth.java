package network.notifi.sluice.jobs.spi;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;
import java.util.function.BooleanSupplier;
import java.util.function.IntSupplier;

/**
 * What a shared backend tells build admission about itself, so that admission can degrade the way the
 * rate limiter does: whether the backend is known to be unreachable now, and how many replicas share
 * it, and how long admission may wait for it. Thread-safe; no method blocks.
 */
public interface SharedStateHealth {

  /**
   * True while the backend is known to be unreachable (e.g. its circuit breaker is open): admission
   * then answers locally without asking it. False does not promise that a call succeeds.
   */
  boolean unavailable();

  /** The replicas sharing the backend at the last count, this one included; at least 1. */
  int liveReplicas();

  /**
   * How long a build start waits for the backend's admission step (and the write-back before it)
   * before it is refused as a failed step; empty: as long as the backend takes (a backend in this
   * process answers at once). A stalled backend keeps its connections open and never answers, so
   * only this bounds the wait.
   */
  default Optional<Duration> stepTimeout() {
    return Optional.empty();
  }

  /** A backend in this process: never unavailable, one replica. */
  SharedStateHealth IN_PROCESS = of(() -> false, () -> 1);

  /** A health read from {@code unavailable} and {@code liveReplicas} on every call, with no step timeout. */
  static SharedStateHealth of(BooleanSupplier unavailable, IntSupplier liveReplicas) {
    return of(unavailable, liveReplicas, null);
  }

  /**
   * A health read from {@code unavailable} and {@code liveReplicas} on every call, whose admission
   * steps are given up on after {@code stepTimeout} (null: never).
   */
  static SharedStateHealth of(BooleanSupplier unavailable, IntSupplier liveReplicas, Duration stepTimeout) {
    Objects.requireNonNull(unavailable, "unavailable");
    Objects.requireNonNull(liveReplicas, "liveReplicas");
    if (stepTimeout != null && (stepTimeout.isNegative() || stepTimeout.isZero())) {
      throw new IllegalArgumentException("stepTimeout must be > 0, was " + stepTimeout);
    }
    Optional<Duration> timeout = Optional.ofNullable(stepTimeout);
    return new SharedStateHealth() {
      @Override
      public boolean unavailable() {
        return unavailable.getAsBoolean();
      }

      @Override
      public int liveReplicas() {
        return liveReplicas.getAsInt();
      }

      @Override
      public Optional<Duration> stepTimeout() {
        return timeout;
      }
    };
  }
}
