package network.notifi.sluice.loadtest;

import java.io.IOException;
import java.io.Writer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * Outcomes per request name and status (202 admitted, 429 refused with its reason, ...) that Gatling's
 * own statistics cannot tell apart, since a 429 is an expected outcome and counts as OK there. The
 * simulation writes them to {@code sluice.outcomes} when it ends; the harness checks them against the
 * token-bucket bounds. Thread-safe.
 */
public final class Tally {
  private static final Map<String, LongAdder> COUNTS = new ConcurrentHashMap<>();
  private static final Map<String, java.util.Queue<Long>> LATENCIES_US = new ConcurrentHashMap<>();
  private static final AtomicLong FIRST_SEND = new AtomicLong(Long.MAX_VALUE);
  private static final AtomicLong LAST_SEND = new AtomicLong(0);
  private static final AtomicLong LAST_ANSWER = new AtomicLong(0);

  private Tally() {}

  /** Forgets everything counted (a new simulation in the same JVM). */
  public static void reset() {
    COUNTS.clear();
    LATENCIES_US.clear();
    FIRST_SEND.set(Long.MAX_VALUE);
    LAST_SEND.set(0);
    LAST_ANSWER.set(0);
  }

  public static void sent() {
    long now = System.currentTimeMillis();
    FIRST_SEND.accumulateAndGet(now, Math::min);
    LAST_SEND.accumulateAndGet(now, Math::max);
  }

  /** Counts one answer that took {@code micros}; see {@link #answered(String, String)}. */
  public static void answered(String name, String outcome, long micros) {
    LATENCIES_US.computeIfAbsent(name, k -> new java.util.concurrent.ConcurrentLinkedQueue<>()).add(micros);
    answered(name, outcome);
  }

  /** Counts one answer under {@code name.outcome}, e.g. {@code abusive.429.third_party}. */
  public static void answered(String name, String outcome) {
    LAST_ANSWER.accumulateAndGet(System.currentTimeMillis(), Math::max);
    COUNTS.computeIfAbsent(name + "." + outcome, k -> new LongAdder()).increment();
  }

  /** p50, p95, p99 and max in ms (nearest rank) of {@code micros}. */
  private static void percentiles(Properties p, String prefix, java.util.List<Long> micros) {
    if (micros.isEmpty()) {
      return;
    }
    java.util.Collections.sort(micros);
    for (double q : new double[] {50, 95, 99, 100}) {
      int rank = (int) Math.ceil(q / 100 * micros.size()) - 1;
      long v = micros.get(Math.max(0, Math.min(micros.size() - 1, rank)));
      p.setProperty(prefix + (q == 100 ? "max" : "p" + (int) q) + "Ms", String.format(java.util.Locale.ROOT, "%.1f", v / 1000.0));
    }
  }

  /** Writes every count plus the first send, last send and last answer (epoch millis). */
  public static void write() {
    String target = System.getProperty("sluice.outcomes");
    Properties p = new Properties();
    new TreeMap<>(COUNTS).forEach((k, v) -> p.setProperty("count." + k, Long.toString(v.sum())));
    p.setProperty("firstSendMs", Long.toString(FIRST_SEND.get()));
    p.setProperty("lastSendMs", Long.toString(LAST_SEND.get()));
    p.setProperty("lastAnswerMs", Long.toString(LAST_ANSWER.get()));
    java.util.List<Long> all = new java.util.ArrayList<>();
    LATENCIES_US.forEach((name, q) -> {
      java.util.List<Long> l = new java.util.ArrayList<>(q);
      all.addAll(l);
      percentiles(p, "latency." + name + ".", l);
    });
    percentiles(p, "latency.", all);
    System.out.println("sluice outcomes: " + new TreeMap<>(p));
    if (target == null) {
      return;
    }
    try (Writer w = Files.newBufferedWriter(Path.of(target))) {
      p.store(w, "outcomes of one simulation run");
    } catch (IOException e) {
      throw new IllegalStateException("cannot write outcomes to " + target, e);
    }
  }
}
