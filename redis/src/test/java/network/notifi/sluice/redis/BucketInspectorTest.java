package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Optional;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.redis.testing.SharedClients;
import org.junit.jupiter.api.Test;

class BucketInspectorTest {

  private final ManualClock clock = new ManualClock();

  @Test
  void listsEveryBucketOnEveryMasterWithTokensCapacityAndTtl() {
    String prefix = "insp" + System.nanoTime() + ":";
    var client = SharedClients.cluster();
    var store = SharedClients.storeBuilder(client).keyPrefix(prefix).clock(clock).build();
    store.tryConsume(BucketKey.GLOBAL, Limit.of(100, 200), 3).join();
    store.tryConsume(BucketKey.endpoint("build.start"), Limit.of(50, 100), 1).join();
    for (int i = 0; i < 30; i++) {
      store.tryConsume(BucketKey.thirdParty("customer " + i), Limit.of(10, 20), 5).join();
    }

    var buckets = BucketInspector.create(client, prefix, clock).list();

    assertThat(buckets).hasSize(32);
    assertThat(buckets).filteredOn(b -> b.bucket().equals(Optional.of(BucketKey.GLOBAL)))
        .singleElement()
        .satisfies(b -> {
          assertThat(b.availableTokens()).isEqualTo(197);
          assertThat(b.capacity()).isEqualTo(200);
          assertThat(b.ttl().toMillis()).isBetween(9_000L, 10_100L);
        });
    assertThat(buckets).filteredOn(b -> b.bucket().map(k -> k.level() == Level.THIRD_PARTY).orElse(false))
        .hasSize(30)
        .allSatisfy(b -> assertThat(b.availableTokens()).isEqualTo(15));
    assertThat(buckets).anySatisfy(b -> assertThat(b.bucket()).contains(BucketKey.thirdParty("customer 7")));
  }

  @Test
  void patternNarrowsTheListAndTokensRefillWithTheClock() {
    String prefix = "insp" + System.nanoTime() + ":";
    var client = SharedClients.standalone();
    var store = SharedClients.storeBuilder(client).keyPrefix(prefix).clock(clock).build();
    store.tryConsume(BucketKey.GLOBAL, Limit.of(100, 200), 1).join();
    store.tryConsume(BucketKey.thirdParty("a"), Limit.of(10, 20), 20).join();
    clock.advanceMillis(500);

    var buckets = BucketInspector.create(client, prefix, clock).list(prefix + "rl:{tp:*");

    assertThat(buckets).singleElement().satisfies(b -> {
      assertThat(b.redisKey()).isEqualTo(prefix + "rl:{tp:a}");
      assertThat(b.availableTokens()).isEqualTo(5);
    });
  }

  @Test
  void tableShowsOneLinePerBucket() {
    String prefix = "insp" + System.nanoTime() + ":";
    var client = SharedClients.standalone();
    var store = SharedClients.storeBuilder(client).keyPrefix(prefix).clock(clock).build();
    store.tryConsume(BucketKey.thirdParty("ü x"), Limit.of(10, 20), 2).join();

    String table = BucketInspector.formatTable(BucketInspector.create(client, prefix, clock).list());
    System.out.print(table);

    assertThat(table.lines()).hasSize(3);
    assertThat(table.lines().findFirst().orElseThrow()).startsWith("KEY").contains("TOKENS", "CAPACITY", "TTL");
    assertThat(table).contains(prefix + "rl:{tp:%C3%BC%20x}", "third_party", "ü x", "18", "20", "1 bucket");
  }
}
