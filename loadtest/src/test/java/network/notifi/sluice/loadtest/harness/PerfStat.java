package network.notifi.sluice.loadtest.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * System calls and context switches of one process over a window, counted by {@code perf stat -x,
 * -e raw_syscalls:sys_enter,context-switches -p PID -- sleep D} (Debian's {@code linux-perf}).
 * Counting the syscall tracepoint adds a little to every system call of the process while it runs.
 */
final class PerfStat {
  static final String EVENTS = "raw_syscalls:sys_enter,context-switches";

  /** The two counts of one window. */
  record Counts(long syscalls, long contextSwitches) {}

  private PerfStat() {}

  /** Null when perf counts both events here, else why not (missing, not permitted, unsupported). */
  static String unavailable() {
    if (!Proc.onPath("perf")) {
      return "perf is not installed (Debian package linux-perf)";
    }
    try {
      String out = Proc.run(20, "perf", "stat", "-x,", "-e", EVENTS, "-p",
          Long.toString(ProcessHandle.current().pid()), "--", "sleep", "0.2");
      if (out.contains("<not supported>")) {
        return "perf cannot count " + EVENTS + " here: " + out.trim().replace('\n', ' ');
      }
      return null;
    } catch (Exception e) {
      return "perf stat refused: " + String.valueOf(e.getMessage()).replace('\n', ' ');
    }
  }

  /** Starts counting for {@code seconds}; the output goes to {@code out}. */
  static Proc start(long pid, int seconds, Path out) throws Exception {
    return Proc.start("perf stat", List.of("perf", "stat", "-x,", "-e", EVENTS, "-p", Long.toString(pid),
        "--", "sleep", Integer.toString(seconds)), Map.of(), out);
  }

  /** The counts in perf's CSV output ({@code value,unit,event,...}); a {@code <not counted>} event is 0. */
  static Counts parse(Path out) throws Exception {
    long sys = -1;
    long cs = -1;
    for (String line : Files.readAllLines(out)) {
      String[] f = line.split(",");
      if (f.length < 3) {
        continue;
      }
      long v = f[0].matches("\\d+") ? Long.parseLong(f[0]) : 0;
      if (f[2].equals("raw_syscalls:sys_enter")) {
        sys = v;
      } else if (f[2].equals("context-switches")) {
        cs = v;
      }
    }
    if (sys < 0 || cs < 0) {
      throw new IllegalStateException("unexpected perf stat output: " + Files.readString(out));
    }
    return new Counts(sys, cs);
  }
}
