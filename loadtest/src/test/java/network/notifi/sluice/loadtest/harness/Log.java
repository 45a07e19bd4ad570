package network.notifi.sluice.loadtest.harness;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;

/** Progress lines of the harness, with the time of day. */
final class Log {
  private final PrintStream out;

  Log(PrintStream out) {
    this.out = out;
  }

  void info(String message) {
    out.println("[harness " + LocalTime.now().truncatedTo(ChronoUnit.MILLIS) + "] " + message);
    out.flush();
  }
}
