package network.notifi.sluice.common;

import java.util.Objects;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Thread factories for Sluice's background work. Every thread is a daemon, so background work
 * never keeps the JVM alive, and carries a name that says what it does in a thread dump.
 */
public final class DaemonThreads {

  private DaemonThreads() {}

  /** Daemon threads all called {@code name}; for an executor that runs one thread. */
  public static ThreadFactory named(String name) {
    Objects.requireNonNull(name, "name");
    return runnable -> daemon(runnable, name);
  }

  /** Daemon threads called {@code prefix-1}, {@code prefix-2}, ...; for a pool. */
  public static ThreadFactory numbered(String prefix) {
    Objects.requireNonNull(prefix, "prefix");
    AtomicInteger count = new AtomicInteger();
    return runnable -> daemon(runnable, prefix + "-" + count.incrementAndGet());
  }

  private static Thread daemon(Runnable runnable, String name) {
    Thread thread = new Thread(runnable, name);
    thread.setDaemon(true);
    return thread;
  }
}
