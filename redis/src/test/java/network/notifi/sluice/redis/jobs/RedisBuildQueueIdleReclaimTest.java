package network.notifi.sluice.redis.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.Optional;
import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.BuildQueue;
import network.notifi.sluice.jobs.spi.QueuedBuild;
import network.notifi.sluice.jobs.spi.SlotLimits;
import org.junit.jupiter.api.Test;

/**
 * An entry pending on a dead consumer is taken over by XAUTOCLAIM once the group has seen it idle
 * for the reclaim timeout, even when the replicas' clocks do not move (here a clock that stands still).
 */
class RedisBuildQueueIdleReclaimTest {

  private final MutableClock stoppedClock = new MutableClock();
  private final BuildQueue queue =
      JobsRedis.stores(JobsRedis.cluster(), RedisBuildQueueIdleReclaimTest.class, stoppedClock).queue();

  @Test
  void entryIdleOnADeadConsumerIsAutoclaimedByTheNextClaimant() {
    queue.enqueue(new QueuedBuild("b1", "idle", "p1", Optional.empty(), stoppedClock.instant()), 10).join();
    var lost = queue.claim("idle", "dead", Duration.ofMillis(300), SlotLimits.ofNamespace(100)).join().orElseThrow();

    assertThat(queue.claim("idle", "alive", Duration.ofMillis(300), SlotLimits.ofNamespace(100)).join()).isEmpty();
    var taken = await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(100))
        .until(() -> queue.claim("idle", "alive", Duration.ofMillis(300), SlotLimits.ofNamespace(100)).join(), Optional::isPresent)
        .orElseThrow();

    assertThat(taken.entry()).isEqualTo(lost.entry());
    assertThat(queue.ack(taken).join()).isTrue();
    assertThat(queue.depth("idle").join()).isZero();
  }
}
