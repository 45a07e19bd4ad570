package network.notifi.sluice.jobs.spi;

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
  SharedStateHealth IN_PROCESS = new SharedStateHealth() {
    @Override
    public boolean unavailable() {
      return false;
    }

    @Override
    public int liveReplicas() {
      return 1;
    }
  };
}
