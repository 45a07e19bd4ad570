package network.notifi.sluice.loadtest.harness;

import java.time.Duration;
import java.util.concurrent.Callable;

/** Polls a condition until it holds or a deadline passes (the harness's Awaitility). */
final class Wait {
  private Wait() {}

  static void until(String what, Duration timeout, Callable<Boolean> condition) throws Exception {
    long deadline = System.nanoTime() + timeout.toNanos();
    Exception last = null;
    while (System.nanoTime() < deadline) {
      try {
        if (Boolean.TRUE.equals(condition.call())) {
          return;
        }
      } catch (Exception e) {
        last = e;
      }
      Thread.sleep(100);
    }
    throw new IllegalStateException("timed out after " + timeout.toSeconds() + " s waiting for " + what
        + (last == null ? "" : " (last error: " + last.getMessage() + ")"));
  }
}
