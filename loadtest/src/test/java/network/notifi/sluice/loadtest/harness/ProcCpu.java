package network.notifi.sluice.loadtest.harness;

import java.nio.file.Files;
import java.nio.file.Path;

/** CPU time a process has used so far (all its threads), from {@code /proc/PID/stat}. */
final class ProcCpu {
  private static volatile long ticksPerSecond;

  private ProcCpu() {}

  /** utime + stime of {@code pid} in milliseconds (resolution: one clock tick, usually 10 ms). */
  static double millis(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
    // the command name (field 2) is in parentheses and may hold spaces: count fields after it
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // fields 14 and 15: utime, stime
    return ticks * 1000.0 / ticksPerSecond();
  }

  private static long ticksPerSecond() {
    if (ticksPerSecond == 0) {
      try {
        ticksPerSecond = Long.parseLong(Proc.run(5, "getconf", "CLK_TCK").trim());
      } catch (Exception e) {
        ticksPerSecond = 100; // Linux's USER_HZ on every common architecture
      }
    }
    return ticksPerSecond;
  }
}
