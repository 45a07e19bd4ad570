package network.notifi.sluice.jobs.inprocess;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import network.notifi.sluice.jobs.JobLimit;
import network.notifi.sluice.jobs.spi.BuildQueue;
import network.notifi.sluice.jobs.spi.Enqueued;
import network.notifi.sluice.jobs.spi.QueueClaim;
import network.notifi.sluice.jobs.spi.QueuedBuild;
import network.notifi.sluice.jobs.spi.SlotLimits;

/**
 * Queues in this process's memory, for one replica. Thread-safe: every call runs under one lock and
 * completes before it returns. {@link #position} takes time linear in the queue's depth; a claim
 * asks the slot store once per line it passes over.
 */
public final class InProcessBuildQueue implements BuildQueue {

  private final Clock clock;
  private final InProcessSlotStore slots;
  private final Map<String, NamespaceQueue> queues = new HashMap<>();

  /** A queue whose claims count the leases of {@code slots} (its lock is taken inside this one's). */
  public InProcessBuildQueue(Clock clock, InProcessSlotStore slots) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.slots = Objects.requireNonNull(slots, "slots");
  }

  @Override
  public synchronized CompletableFuture<Enqueued> enqueue(QueuedBuild entry, int maxDepth) {
    NamespaceQueue queue = queues.computeIfAbsent(entry.namespace(), ns -> new NamespaceQueue());
    if (!queue.contains(entry.buildId())) {
      if (queue.depth() >= maxDepth) {
        forgetIfEmpty(entry.namespace());
        return done(new Enqueued(false, 0, queue.depth()));
      }
      queue.add(entry);
    }
    return done(new Enqueued(true, queue.position(entry.buildId()), queue.depth()));
  }

  @Override
  public synchronized CompletableFuture<OptionalLong> position(String namespace, String buildId) {
    NamespaceQueue queue = queues.get(namespace);
    if (queue == null || !queue.contains(buildId)) {
      return done(OptionalLong.empty());
    }
    return done(OptionalLong.of(queue.position(buildId)));
  }

  @Override
  public synchronized CompletableFuture<Long> depth(String namespace) {
    NamespaceQueue queue = queues.get(namespace);
    return done(queue == null ? 0L : queue.depth());
  }

  @Override
  public synchronized CompletableFuture<Optional<Instant>> oldestEnqueuedAt(String namespace) {
    NamespaceQueue queue = queues.get(namespace);
    return done(queue == null ? Optional.empty() : queue.oldest());
  }

  @Override
  public synchronized CompletableFuture<Optional<QueueClaim>> claim(
      String namespace, String consumer, Duration reclaimAfter, SlotLimits limits) {
    NamespaceQueue queue = queues.get(namespace);
    if (queue == null) {
      return done(Optional.empty());
    }
    Instant now = clock.instant();
    QueueClaim stale = queue.oldestClaimIdleSince(now.minus(reclaimAfter));
    QueuedBuild entry = stale != null ? stale.entry() : queue.pollFair(line -> slots.full(namespace, line, limits));
    if (entry == null) {
      return done(Optional.empty());
    }
    QueueClaim claim = new QueueClaim(entry, consumer, now);
    queue.claimed.put(entry.buildId(), claim);
    return done(Optional.of(claim));
  }

  @Override
  public synchronized CompletableFuture<Boolean> ack(QueueClaim claim) {
    String namespace = claim.entry().namespace();
    NamespaceQueue queue = queues.get(namespace);
    boolean removed = queue != null && queue.claimed.remove(claim.entry().buildId()) != null;
    forgetIfEmpty(namespace);
    return done(removed);
  }

  @Override
  public synchronized CompletableFuture<Void> abandon(QueueClaim claim) {
    NamespaceQueue queue = queues.get(claim.entry().namespace());
    if (queue != null && claim.equals(queue.claimed.get(claim.entry().buildId()))) {
      queue.claimed.remove(claim.entry().buildId());
      queue.pushFront(claim.entry());
    }
    return done(null);
  }

  private void forgetIfEmpty(String namespace) {
    NamespaceQueue queue = queues.get(namespace);
    if (queue != null && queue.depth() == 0) {
      queues.remove(namespace);
    }
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }

  /**
   * One namespace. Invariant: {@code turns} lists exactly the lines that hold entries, the line to
   * serve next first; an entry is either waiting in its line or in {@code claimed}, never both.
   */
  private static final class NamespaceQueue {
    final Map<String, Deque<QueuedBuild>> lines = new HashMap<>();
    final Deque<String> turns = new ArrayDeque<>();
    final Map<String, QueueClaim> claimed = new LinkedHashMap<>();
    final Map<String, String> lineOf = new HashMap<>();

    boolean contains(String buildId) {
      return lineOf.containsKey(buildId) || claimed.containsKey(buildId);
    }

    long depth() {
      return lineOf.size() + claimed.size();
    }

    Optional<Instant> oldest() {
      Instant oldest = null;
      for (Deque<QueuedBuild> line : lines.values()) {
        for (QueuedBuild entry : line) {
          oldest = oldest == null || entry.enqueuedAt().isBefore(oldest) ? entry.enqueuedAt() : oldest;
        }
      }
      for (QueueClaim claim : claimed.values()) {
        Instant at = claim.entry().enqueuedAt();
        oldest = oldest == null || at.isBefore(oldest) ? at : oldest;
      }
      return Optional.ofNullable(oldest);
    }

    void add(QueuedBuild entry) {
      Deque<QueuedBuild> line = lines.computeIfAbsent(entry.line(), l -> new ArrayDeque<>());
      if (line.isEmpty()) {
        turns.addLast(entry.line());
      }
      line.addLast(entry);
      lineOf.put(entry.buildId(), entry.line());
    }

    void pushFront(QueuedBuild entry) {
      Deque<QueuedBuild> line = lines.computeIfAbsent(entry.line(), l -> new ArrayDeque<>());
      if (line.isEmpty()) {
        turns.addFirst(entry.line());
      }
      line.addFirst(entry);
      lineOf.put(entry.buildId(), entry.line());
    }

    /**
     * Takes the head of the first line in turn order whose build would find room ({@code full} of
     * the line is empty) and sends that line to the back; lines of third parties at their cap keep
     * their turn. Null when no line fits, or the namespace or the total has no room.
     */
    QueuedBuild pollFair(Function<String, Optional<JobLimit>> full) {
      String turn = null;
      for (String line : turns) {
        Optional<JobLimit> reached = full.apply(line);
        if (reached.isEmpty()) {
          turn = line;
          break;
        }
        if (reached.get() != JobLimit.THIRD_PARTY) {
          return null;
        }
      }
      if (turn == null) {
        return null;
      }
      turns.remove(turn);
      Deque<QueuedBuild> line = lines.get(turn);
      QueuedBuild entry = line.pollFirst();
      if (line.isEmpty()) {
        lines.remove(turn);
      } else {
        turns.addLast(turn);
      }
      lineOf.remove(entry.buildId());
      return entry;
    }

    QueueClaim oldestClaimIdleSince(Instant cutoff) {
      for (Iterator<QueueClaim> it = claimed.values().iterator(); it.hasNext(); ) {
        QueueClaim claim = it.next();
        if (!claim.claimedAt().isAfter(cutoff)) {
          it.remove();
          return claim;
        }
      }
      return null;
    }

    /**
     * 1-based place in dispatch order; 0 if claimed. An entry k-th in its line (0-based) on a line
     * whose turn is r-th goes after its own k predecessors and, from every other line, the first k
     * entries, plus one more from lines whose turn comes before r.
     */
    long position(String buildId) {
      if (claimed.containsKey(buildId)) {
        return 0;
      }
      String own = lineOf.get(buildId);
      int k = indexIn(lines.get(own), buildId);
      List<String> order = new ArrayList<>(turns);
      int r = order.indexOf(own);
      long before = k;
      for (int i = 0; i < order.size(); i++) {
        if (i != r) {
          before += Math.min(lines.get(order.get(i)).size(), k + (i < r ? 1 : 0));
        }
      }
      return before + 1;
    }

    private static int indexIn(Deque<QueuedBuild> line, String buildId) {
      int index = 0;
      for (QueuedBuild entry : line) {
        if (entry.buildId().equals(buildId)) {
          return index;
        }
        index++;
      }
      throw new IllegalStateException("entry " + buildId + " missing from its line");
    }
  }
}
