package network.notifi.sluice.jobs.spi;

import static network.notifi.sluice.jobs.spi.ContractSupport.fresh;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.jobs.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BuildQueue} must do: fair order across third parties, claim and acknowledge,
 * reclaim from a dead dispatcher, a bounded depth. Backends extend this class and supply a queue on
 * the given {@link MutableClock}. Each test uses namespaces of its own.
 */
public abstract class AbstractBuildQueueContractTest {

  protected static final int NO_BOUND = 100_000;
  protected static final Duration RECLAIM = Duration.ofSeconds(30);
  /** Limits no claim of these tests reaches: the queue alone decides. */
  protected static final SlotLimits OPEN = SlotLimits.ofNamespace(NO_BOUND);

  protected final MutableClock clock = new MutableClock();
  protected BuildQueue queue;
  private String ns;

  /** A new queue whose claims age on {@code clock}. */
  protected abstract BuildQueue newQueue(MutableClock clock) throws Exception;

  @BeforeEach
  void openQueue() throws Exception {
    queue = newQueue(clock);
    ns = fresh("ns");
  }

  @AfterEach
  void closeQueue() {
    queue.close();
  }

  private QueuedBuild entry(String buildId, String thirdParty) {
    return new QueuedBuild(buildId, ns, "parser-" + buildId, Optional.ofNullable(thirdParty), clock.instant());
  }

  private Optional<QueueClaim> claim(String consumer) {
    return queue.claim(ns, consumer, RECLAIM, OPEN).join();
  }

  /** Claims and acks everything, returning the build ids in the order they were handed out. */
  private List<String> drainOrder() {
    List<String> order = new ArrayList<>();
    for (Optional<QueueClaim> c = claim("d1"); c.isPresent(); c = claim("d1")) {
      order.add(c.get().entry().buildId());
      queue.ack(c.get()).join();
    }
    return order;
  }

  @Test
  void oneThirdPartyIsServedFirstInFirstOut() {
    for (int i = 1; i <= 4; i++) {
      queue.enqueue(entry("b" + i, "acme"), NO_BOUND).join();
    }

    assertThat(drainOrder()).containsExactly("b1", "b2", "b3", "b4");
  }

  @Test
  void thirdPartiesAreServedRoundRobin() {
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    queue.enqueue(entry("a2", "a"), NO_BOUND).join();
    queue.enqueue(entry("a3", "a"), NO_BOUND).join();
    queue.enqueue(entry("b1", "b"), NO_BOUND).join();
    queue.enqueue(entry("c1", "c"), NO_BOUND).join();
    queue.enqueue(entry("b2", "b"), NO_BOUND).join();

    assertThat(drainOrder()).containsExactly("a1", "b1", "c1", "a2", "b2", "a3");
  }

  @Test
  void aThirdPartyWithManyEntriesDoesNotStarveOneWithASingleEntry() {
    for (int i = 0; i < 500; i++) {
      queue.enqueue(entry("big-" + i, "big"), NO_BOUND).join();
    }
    queue.enqueue(entry("small-0", "small"), NO_BOUND).join();

    assertThat(queue.position(ns, "small-0").join()).hasValue(2);
    assertThat(drainOrder().subList(0, 2)).containsExactly("big-0", "small-0");
  }

  @Test
  void entriesWithoutAThirdPartyShareOneLine() {
    queue.enqueue(entry("n1", null), NO_BOUND).join();
    queue.enqueue(entry("n2", null), NO_BOUND).join();
    queue.enqueue(entry("t1", "t"), NO_BOUND).join();

    assertThat(drainOrder()).containsExactly("n1", "t1", "n2");
  }

  @Test
  void positionFollowsTheDispatchOrder() {
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    queue.enqueue(entry("a2", "a"), NO_BOUND).join();
    queue.enqueue(entry("b1", "b"), NO_BOUND).join();
    var enqueued = queue.enqueue(entry("a3", "a"), NO_BOUND).join();

    assertThat(enqueued).isEqualTo(new Enqueued(true, 4, 4));
    assertThat(queue.position(ns, "a1").join()).hasValue(1);
    assertThat(queue.position(ns, "b1").join()).hasValue(2);
    assertThat(queue.position(ns, "a2").join()).hasValue(3);
    assertThat(queue.position(ns, "a3").join()).hasValue(4);
    assertThat(queue.position(ns, "unknown").join()).isEmpty();
  }

  @Test
  void positionsMoveUpAsEntriesAreClaimed() {
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    queue.enqueue(entry("a2", "a"), NO_BOUND).join();
    queue.enqueue(entry("b1", "b"), NO_BOUND).join();

    var first = claim("d1").orElseThrow();

    assertThat(queue.position(ns, "a1").join()).hasValue(0);
    assertThat(queue.position(ns, "b1").join()).hasValue(1);
    assertThat(queue.position(ns, "a2").join()).hasValue(2);
    queue.ack(first).join();
    assertThat(queue.position(ns, "a1").join()).isEmpty();
  }

  @Test
  void enqueueingTheSameBuildTwiceKeepsOneEntry() {
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    queue.enqueue(entry("b1", "b"), NO_BOUND).join();

    var again = queue.enqueue(entry("a1", "a"), NO_BOUND).join();

    assertThat(again).isEqualTo(new Enqueued(true, 1, 2));
    assertThat(queue.depth(ns).join()).isEqualTo(2);
  }

  @Test
  void fullQueueRefusesNewEntries() {
    queue.enqueue(entry("a1", "a"), 2).join();
    queue.enqueue(entry("a2", "a"), 2).join();

    var refused = queue.enqueue(entry("a3", "b"), 2).join();

    assertThat(refused).isEqualTo(new Enqueued(false, 0, 2));
    assertThat(queue.position(ns, "a3").join()).isEmpty();
  }

  @Test
  void claimedEntriesCountTowardsTheDepthUntilAcknowledged() {
    queue.enqueue(entry("a1", "a"), 1).join();
    var claimed = claim("d1").orElseThrow();

    assertThat(queue.depth(ns).join()).isEqualTo(1);
    assertThat(queue.enqueue(entry("a2", "a"), 1).join().accepted()).isFalse();

    assertThat(queue.ack(claimed).join()).isTrue();
    assertThat(queue.depth(ns).join()).isZero();
    assertThat(queue.ack(claimed).join()).isFalse();
  }

  @Test
  void claimedEntryIsNotHandedToAnotherDispatcher() {
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();

    assertThat(claim("d1")).isPresent();
    assertThat(claim("d2")).isEmpty();
  }

  @Test
  void entryClaimedByADeadDispatcherIsReclaimedAfterTheTimeout() {
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    var lost = claim("dead").orElseThrow();

    clock.advance(RECLAIM.minusSeconds(1));
    assertThat(claim("alive")).isEmpty();
    clock.advance(Duration.ofSeconds(1));
    var taken = claim("alive").orElseThrow();

    assertThat(taken.entry()).isEqualTo(lost.entry());
    assertThat(taken.consumer()).isEqualTo("alive");
    assertThat(queue.ack(taken).join()).isTrue();
    assertThat(queue.depth(ns).join()).isZero();
  }

  @Test
  void ofTwoDispatchersHoldingATakenOverEntryOnlyTheFirstToAckGetsTrue() {
    // The acknowledgement is the fence the dispatcher launches behind: exactly one claimant wins.
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    var slow = claim("slow").orElseThrow();
    clock.advance(RECLAIM);
    var takenOver = claim("alive").orElseThrow();

    assertThat(queue.ack(slow).join()).isTrue();
    assertThat(queue.ack(takenOver).join()).isFalse();
    assertThat(queue.depth(ns).join()).isZero();
  }

  @Test
  void reclaimComesBeforeNewEntries() {
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    queue.enqueue(entry("a2", "a"), NO_BOUND).join();
    claim("dead").orElseThrow();
    clock.advance(RECLAIM);

    assertThat(claim("alive")).get().extracting(c -> c.entry().buildId()).isEqualTo("a1");
  }

  @Test
  void abandonedEntryGoesBackToTheFrontOfItsLine() {
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    queue.enqueue(entry("a2", "a"), NO_BOUND).join();
    var claimed = claim("d1").orElseThrow();

    queue.abandon(claimed).join();

    assertThat(queue.position(ns, "a1").join()).hasValue(1);
    assertThat(drainOrder()).containsExactly("a1", "a2");
  }

  @Test
  void abandonAfterAckChangesNothing() {
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    var claimed = claim("d1").orElseThrow();
    queue.ack(claimed).join();

    queue.abandon(claimed).join();

    assertThat(queue.depth(ns).join()).isZero();
    assertThat(claim("d1")).isEmpty();
  }

  @Test
  void namespacesAreSeparateQueues() {
    String other = fresh("ns");
    queue.enqueue(entry("a1", "a"), NO_BOUND).join();
    queue.enqueue(new QueuedBuild("x1", other, "p", Optional.empty(), clock.instant()), NO_BOUND).join();

    assertThat(queue.depth(ns).join()).isEqualTo(1);
    assertThat(queue.depth(other).join()).isEqualTo(1);
    assertThat(queue.position(other, "a1").join()).isEqualTo(OptionalLong.empty());
  }

  @Test
  void concurrentClaimsHandOutEveryEntryExactlyOnce() throws Exception {
    for (int i = 0; i < 300; i++) {
      queue.enqueue(entry("b" + i, "tp" + (i % 7)), NO_BOUND).join();
    }
    ExecutorService pool = Executors.newFixedThreadPool(6);
    try {
      List<Future<List<String>>> workers = new ArrayList<>();
      for (int w = 0; w < 6; w++) {
        String consumer = "d" + w;
        workers.add(pool.submit(() -> {
          List<String> mine = new ArrayList<>();
          for (var c = queue.claim(ns, consumer, RECLAIM, OPEN).get(10, TimeUnit.SECONDS); c.isPresent();
              c = queue.claim(ns, consumer, RECLAIM, OPEN).get(10, TimeUnit.SECONDS)) {
            mine.add(c.get().entry().buildId());
            queue.ack(c.get()).get(10, TimeUnit.SECONDS);
          }
          return mine;
        }));
      }
      List<String> all = new ArrayList<>();
      for (var worker : workers) {
        all.addAll(worker.get(60, TimeUnit.SECONDS));
      }
      Set<String> distinct = new HashSet<>(all);

      assertThat(all).hasSize(300);
      assertThat(distinct).hasSize(300);
      assertThat(queue.depth(ns).join()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }
}
