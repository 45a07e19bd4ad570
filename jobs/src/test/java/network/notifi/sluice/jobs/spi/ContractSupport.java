package network.notifi.sluice.jobs.spi;

import java.util.concurrent.atomic.AtomicInteger;

/** Names no other test (or earlier run against the same server) uses, so backends may share one. */
public final class ContractSupport {

  private static final AtomicInteger UNIQUE = new AtomicInteger();

  private ContractSupport() {}

  /** A fresh DNS-1123 label with the given prefix. */
  public static String fresh(String prefix) {
    return prefix + "-" + Long.toString(System.nanoTime(), 36) + "-" + UNIQUE.incrementAndGet();
  }
}
