package network.notifi.sluice.api;

import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** SIGHUP, the Unix way of asking a service to reload its configuration. */
final class Hangup {

  private Hangup() {}

  /** Runs {@code action} on every SIGHUP; where the JVM cannot catch it, says so and does nothing. */
  static void onSignal(Runnable action) {
    try {
      Signal.handle(new Signal("HUP"), signal -> action.run());
    } catch (IllegalArgumentException | UnsupportedOperationException e) {
      LoggerFactory.getLogger(Hangup.class).warn("SIGHUP cannot be handled here ({}); the file is still watched", e.getMessage());
    }
  }
}
