package network.notifi.sluice.api;

import java.io.PrintStream;
import java.util.Map;

/** Runs {@link Main} with its output captured, for tests in other packages. */
public final class MainAccess {

  private MainAccess() {}

  public static synchronized int run(String[] args, Map<String, String> env, PrintStream out) {
    PrintStream original = System.out;
    System.setOut(out);
    try {
      return Main.run(args, env);
    } finally {
      System.setOut(original);
    }
  }

  public static synchronized int runWithErr(String[] args, Map<String, String> env, PrintStream err) {
    PrintStream original = System.err;
    System.setErr(err);
    try {
      return Main.run(args, env);
    } finally {
      System.setErr(original);
    }
  }
}
