package network.notifi.sluice.limiter.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import org.junit.jupiter.api.Test;

class ForwardingBucketStoreTest {

  @Test
  void forwardsEveryCallOfTheStoreDefaultsIncluded() {
    assertThat(ForwardingBucketStore.callsNotOverridden(ForwardingBucketStore.class)).isEmpty();
  }

  @Test
  void aStoreThatLeavesACallToItsDefaultIsFound() {
    class RefundsWithoutProbe implements BucketStore {
      @Override
      public CompletableFuture<TokenProbe> tryConsume(BucketKey key, Limit limit, long tokens) {
        return null;
      }

      @Override
      public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens) {
        return null;
      }

      @Override
      public CompletableFuture<Long> consumeUpTo(BucketKey key, Limit limit, long tokens) {
        return null;
      }

      @Override
      public CompletableFuture<Optional<BucketSnapshot>> snapshot(BucketKey key, Limit limit) {
        return null;
      }
    }

    assertThat(ForwardingBucketStore.callsNotOverridden(RefundsWithoutProbe.class))
        .anyMatch(call -> call.startsWith("refund[") && call.contains("TokenProbe"))
        .anyMatch(call -> call.startsWith("close"))
        .anyMatch(call -> call.startsWith("expectedTokens"))
        .anyMatch(call -> call.startsWith("limitsChanged"));
  }

  @Test
  void aRefundWithItsProbeAndCloseReachTheStoreUnderneath() {
    List<String> seen = new ArrayList<>();
    var underneath = new ForwardingBucketStore(InProcessBucketStore.create(new ManualClock(), 10)) {
      @Override
      public CompletableFuture<Void> refund(BucketKey key, Limit limit, long tokens, TokenProbe taken) {
        seen.add("refund with probe");
        return super.refund(key, limit, tokens, taken);
      }

      @Override
      public void close() {
        seen.add("close");
        super.close();
      }
    };
    var forwarding = new ForwardingBucketStore(underneath);
    BucketKey key = BucketKey.GLOBAL;
    Limit limit = Limit.of(1, 1);
    TokenProbe taken = forwarding.tryConsume(key, limit, 1).join();

    forwarding.refund(key, limit, 1, taken).join();
    forwarding.close();

    assertThat(seen).containsExactly("refund with probe", "close");
  }
}
