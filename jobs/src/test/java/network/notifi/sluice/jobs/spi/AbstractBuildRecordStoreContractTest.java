package network.notifi.sluice.jobs.spi;

import static network.notifi.sluice.jobs.spi.ContractSupport.fresh;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BuildRecordStore} must do: records that round-trip every field and expire, and
 * the active-build index. Backends extend this class and supply a store on the given {@link
 * MutableClock}. Each test uses namespaces and build ids of its own.
 */
public abstract class AbstractBuildRecordStoreContractTest {

  protected static final Duration TTL = Duration.ofHours(24);

  protected final MutableClock clock = new MutableClock();
  protected BuildRecordStore store;
  private String ns;

  /** A new store whose records expire on {@code clock}. */
  protected abstract BuildRecordStore newStore(MutableClock clock) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore(clock);
    ns = fresh("ns");
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  private Build queued(String thirdParty) {
    return Build.queued(fresh("build"), "parser", ns, Optional.ofNullable(thirdParty), clock.instant());
  }

  @Test
  void recordRoundTripsEveryField() {
    Build failed =
        queued("customer-1")
            .running(clock.instant().plusSeconds(2))
            .failed(clock.instant().plusSeconds(9), "exit code 3");

    store.put(failed, TTL).join();

    assertThat(store.get(failed.id()).join()).contains(failed);
  }

  @Test
  void recordIsFoundByItsNamespaceAndIdButNotInAnotherNamespace() {
    Build build = queued("t").running(clock.instant());
    store.put(build, TTL).join();

    assertThat(store.get(build.namespace(), build.id()).join()).contains(build);
    assertThat(store.get(fresh("other"), build.id()).join()).isEmpty();

    clock.advance(TTL);
    assertThat(store.get(build.namespace(), build.id()).join()).isEmpty();
  }

  @Test
  void recordWithoutOptionalFieldsRoundTrips() {
    Build build = queued(null);

    store.put(build, TTL).join();

    assertThat(store.get(build.id()).join()).contains(build);
  }

  @Test
  void laterWriteReplacesTheRecord() {
    Build build = queued("t");
    store.put(build, TTL).join();
    Build running = build.running(clock.instant());

    store.put(running, TTL).join();

    assertThat(store.get(build.id()).join()).contains(running);
  }

  @Test
  void updatedRecordIsFoundByItsIdAlone() {
    Build build = queued("t");
    store.put(build, TTL).join();
    Build running = build.running(clock.instant());
    clock.advance(Duration.ofHours(20));

    store.update(running, TTL).join();
    clock.advance(Duration.ofHours(20));

    assertThat(store.get(build.id()).join()).contains(running);
    assertThat(store.get(build.namespace(), build.id()).join()).contains(running);
  }

  @Test
  void recordExpiresItsTtlAfterTheLastWrite() {
    Build build = queued("t");
    store.put(build, TTL).join();
    clock.advance(Duration.ofHours(20));
    store.put(build.running(clock.instant()), TTL).join();

    clock.advance(Duration.ofHours(20));
    assertThat(store.get(build.id()).join()).isPresent();
    clock.advance(Duration.ofHours(4));
    assertThat(store.get(build.id()).join()).isEmpty();
  }

  @Test
  void deletedRecordIsGone() {
    Build build = queued("t");
    store.put(build, TTL).join();

    store.delete(build.id()).join();

    assertThat(store.get(build.id()).join()).isEmpty();
    assertThat(store.get("never-written").join()).isEmpty();
  }

  @Test
  void firstClaimOfTheActivePlaceWinsAndLaterOnesSeeTheHolder() {
    assertThat(store.claimActive(ns, "parser", "b1", TTL).join()).isEqualTo("b1");
    assertThat(store.claimActive(ns, "parser", "b2", TTL).join()).isEqualTo("b1");
    assertThat(store.claimActive(ns, "other-parser", "b3", TTL).join()).isEqualTo("b3");
    assertThat(store.claimActive(fresh("ns"), "parser", "b4", TTL).join()).isEqualTo("b4");
  }

  @Test
  void onlyTheHolderCanReleaseTheActivePlace() {
    store.claimActive(ns, "parser", "b1", TTL).join();

    assertThat(store.releaseActive(ns, "parser", "b2").join()).isFalse();
    assertThat(store.claimActive(ns, "parser", "b2", TTL).join()).isEqualTo("b1");
    assertThat(store.releaseActive(ns, "parser", "b1").join()).isTrue();
    assertThat(store.releaseActive(ns, "parser", "b1").join()).isFalse();
    assertThat(store.claimActive(ns, "parser", "b2", TTL).join()).isEqualTo("b2");
  }

  @Test
  void unreleasedActivePlaceIsForgottenAfterItsTtl() {
    store.claimActive(ns, "parser", "b1", Duration.ofMinutes(10)).join();
    clock.advance(Duration.ofMinutes(10));

    assertThat(store.claimActive(ns, "parser", "b2", TTL).join()).isEqualTo("b2");
  }

  @Test
  void concurrentClaimsOfOnePlaceHaveOneWinner() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      CountDownLatch go = new CountDownLatch(1);
      List<Future<String>> holders = new ArrayList<>();
      for (int i = 0; i < 64; i++) {
        String id = "b" + i;
        holders.add(pool.submit(() -> {
          go.await();
          return store.claimActive(ns, "parser", id, TTL).get(10, TimeUnit.SECONDS);
        }));
      }
      go.countDown();
      var seen = new HashSet<String>();
      for (var holder : holders) {
        seen.add(holder.get(30, TimeUnit.SECONDS));
      }

      assertThat(seen).hasSize(1);
    } finally {
      pool.shutdownNow();
    }
  }
}
