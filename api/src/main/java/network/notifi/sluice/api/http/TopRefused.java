package network.notifi.sluice.api.http;

import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.LongSupplier;

/**
 * The third parties refused most often in the last five minutes, for {@code GET /ratelimits}.
 *
 * <p>Counts are kept per minute, at most {@value #MAX_PER_MINUTE} third parties per minute (a flood
 * of distinct ids cannot grow it); a minute older than five is dropped. Thread-safe.
 */
final class TopRefused {

  static final int MAX_PER_MINUTE = 1_000;
  private static final long MINUTE_NANOS = 60_000_000_000L;
  private static final int MINUTES = 5;

  private record Minute(long index, Map<String, Long> counts) {}

  private final LongSupplier nanoClock;
  private final Deque<Minute> minutes = new ArrayDeque<>();

  TopRefused(LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
  }

  synchronized void refused(String thirdParty) {
    long index = nanoClock.getAsLong() / MINUTE_NANOS;
    Minute current = minutes.peekLast();
    if (current == null || current.index() != index) {
      current = new Minute(index, new HashMap<>());
      minutes.addLast(current);
    }
    evictOlderThan(index);
    if (current.counts().size() < MAX_PER_MINUTE || current.counts().containsKey(thirdParty)) {
      current.counts().merge(thirdParty, 1L, Long::sum);
    }
  }

  /** The {@code limit} third parties with the most refusals in the last five minutes, most first. */
  synchronized List<Map.Entry<String, Long>> top(int limit) {
    evictOlderThan(nanoClock.getAsLong() / MINUTE_NANOS);
    Map<String, Long> totals = new LinkedHashMap<>();
    for (Minute minute : minutes) {
      minute.counts().forEach((id, n) -> totals.merge(id, n, Long::sum));
    }
    return totals.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue(Comparator.reverseOrder()).thenComparing(Map.Entry.comparingByKey()))
        .limit(limit)
        .map(e -> Map.entry(e.getKey(), e.getValue()))
        .toList();
  }

  private void evictOlderThan(long currentIndex) {
    while (!minutes.isEmpty() && minutes.peekFirst().index() <= currentIndex - MINUTES) {
      minutes.removeFirst();
    }
  }
}
