package network.notifi.sluice.benchmarks;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.lang.ref.Reference;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import org.openjdk.jol.info.GraphLayout;

/**
 * Retained heap of the in-process store holding {@code N} distinct third-party buckets (default
 * 100,000, the store's default bound), measured two ways:
 *
 * <ol>
 *   <li>used heap after a full GC, before and after populating a fresh store, over several rounds;
 *   <li>JOL's walk of the object graph reachable from the store, with a per-class breakdown.
 * </ol>
 *
 * Then it offers three times the bound in distinct ids and reports what the store holds, to show the
 * bound. The clock is frozen, so no bucket expires while being measured. Ids look like the seed's
 * sources ({@code network.notifi.customer-000123}, 30 characters); the id strings are retained by
 * the cache keys and are counted.
 *
 * <p>Run with {@code -XX:+UseSerialGC} so that {@link System#gc()} is one full, compacting
 * collection; {@code benchmarks/run.sh heap} does.
 */
public final class RetainedHeap {

  private static final MemoryMXBean MEMORY = ManagementFactory.getMemoryMXBean();
  private static final long FROZEN_NANOS = 1_800_000_000_000_000_000L;
  private static final EpochNanoClock FROZEN = () -> FROZEN_NANOS;

  private RetainedHeap() {}

  public static void main(String[] args) throws InterruptedException {
    int parties = args.length > 0 ? Integer.parseInt(args[0]) : InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES;
    int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 5;
    System.out.printf("java %s, %s, max heap %d MiB%n",
        System.getProperty("java.version"), gcNames(), Runtime.getRuntime().maxMemory() >> 20);
    System.out.printf("%,d distinct third parties, bound %,d%n",
        parties, InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES);

    // Warm up class loading and the JIT on a throwaway store, so round 1 is not special.
    populate(newLimiter(), Math.min(parties, 20_000));

    for (int round = 1; round <= rounds; round++) {
      long before = usedAfterGc();
      var limiter = newLimiter();
      long empty = usedAfterGc();
      populate(limiter, parties);
      long full = usedAfterGc();
      long held = ((InProcessBucketStore) limiter.store()).thirdPartyCount();
      long delta = full - empty;
      System.out.printf(
          "round %d: empty limiter+store %,d B; +%,d buckets held -> +%,d B = %.1f MiB, %,d B per bucket%n",
          round, empty - before, held, delta, delta / 1048576.0, delta / Math.max(1, held));
      Reference.reachabilityFence(limiter);
    }

    var limiter = newLimiter();
    populate(limiter, parties);
    var layout = GraphLayout.parseInstance(limiter.store());
    System.out.printf("%nJOL: store graph %,d B in %,d objects = %,d B per bucket%n",
        layout.totalSize(), layout.totalCount(), layout.totalSize() / parties);
    System.out.println(layout.toFootprint());
    Reference.reachabilityFence(limiter);

    var flooded = newLimiter();
    long empty = usedAfterGc();
    populate(flooded, 3 * InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES);
    long full = usedAfterGc();
    System.out.printf("flood: %,d distinct ids offered -> %,d buckets held, +%.1f MiB%n",
        3 * InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES,
        ((InProcessBucketStore) flooded.store()).thirdPartyCount(), (full - empty) / 1048576.0);
    Reference.reachabilityFence(flooded);
  }

  private static MultiLevelLimiter newLimiter() {
    return MultiLevelLimiter.of(
        LimiterConfig.defaults(),
        InProcessBucketStore.create(FROZEN, InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES));
  }

  /** One decision per id, as the service makes them; each creates that third party's bucket. */
  private static void populate(MultiLevelLimiter limiter, int parties) {
    for (int i = 0; i < parties; i++) {
      limiter.decide(RateRequest.of("build.start", id(i))).join();
    }
  }

  /** A fresh 30-character id string, shaped like the seed's {@code network.notifi.customer-123}. */
  private static String id(int i) {
    return String.format("network.notifi.customer-%06d", i);
  }

  private static long usedAfterGc() throws InterruptedException {
    long used = Long.MAX_VALUE;
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(50);
      used = Math.min(used, MEMORY.getHeapMemoryUsage().getUsed());
    }
    return used;
  }

  private static String gcNames() {
    var names = new StringBuilder();
    for (var gc : ManagementFactory.getGarbageCollectorMXBeans()) {
      names.append(names.length() == 0 ? "" : "+").append(gc.getName());
    }
    return names.toString();
  }
}
