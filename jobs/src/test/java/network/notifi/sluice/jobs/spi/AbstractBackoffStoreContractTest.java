package network.notifi.sluice.jobs.spi;

import static network.notifi.sluice.jobs.spi.ContractSupport.fresh;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import network.notifi.sluice.jobs.MutableClock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link BackoffStore} must do. Backends extend this class and supply a store on the
 * given {@link MutableClock}. Each test uses namespaces of its own.
 */
public abstract class AbstractBackoffStoreContractTest {

  protected static final Duration KEEP = Duration.ofHours(2);

  protected final MutableClock clock = new MutableClock();
  protected BackoffStore store;
  private String ns;

  /** A new store whose windows and counts expire on {@code clock}. */
  protected abstract BackoffStore newStore(MutableClock clock) throws Exception;

  @BeforeEach
  void openStore() throws Exception {
    store = newStore(clock);
    ns = fresh("ns");
  }

  @AfterEach
  void closeStore() {
    store.close();
  }

  @Test
  void noWindowIsOpenForAParserThatNeverFailed() {
    assertThat(store.window(ns, "parser").join()).isEmpty();
  }

  @Test
  void openWindowReportsItsEndAndTheFailureCount() {
    int failures = store.recordFailure(ns, "parser", KEEP).join();
    store.open(ns, "parser", clock.instant().plus(Duration.ofMinutes(5))).join();

    assertThat(failures).isEqualTo(1);
    var window = store.window(ns, "parser").join().orElseThrow();
    assertThat(window.until()).isEqualTo(clock.instant().plus(Duration.ofMinutes(5)));
    assertThat(window.consecutiveFailures()).isEqualTo(1);
    assertThat(window.remaining(clock.instant())).isEqualTo(Duration.ofMinutes(5));
  }

  @Test
  void windowClosesAtItsEnd() {
    store.recordFailure(ns, "parser", KEEP).join();
    store.open(ns, "parser", clock.instant().plus(Duration.ofMinutes(5))).join();

    clock.advance(Duration.ofMinutes(5).minusMillis(1));
    assertThat(store.window(ns, "parser").join()).isPresent();
    clock.advance(Duration.ofMillis(1));
    assertThat(store.window(ns, "parser").join()).isEmpty();
  }

  @Test
  void consecutiveFailuresAreCountedAcrossClosedWindows() {
    store.recordFailure(ns, "parser", KEEP).join();
    store.open(ns, "parser", clock.instant().plus(Duration.ofMinutes(5))).join();
    clock.advance(Duration.ofMinutes(6));

    assertThat(store.recordFailure(ns, "parser", KEEP).join()).isEqualTo(2);
    assertThat(store.recordFailure(ns, "parser", KEEP).join()).isEqualTo(3);
  }

  @Test
  void countIsForgottenWhenNotIncrementedForItsKeepTime() {
    store.recordFailure(ns, "parser", KEEP).join();
    clock.advance(KEEP);

    assertThat(store.recordFailure(ns, "parser", KEEP).join()).isEqualTo(1);
  }

  @Test
  void resetForgetsTheWindowAndTheCount() {
    store.recordFailure(ns, "parser", KEEP).join();
    store.recordFailure(ns, "parser", KEEP).join();
    store.open(ns, "parser", clock.instant().plus(Duration.ofMinutes(10))).join();

    store.reset(ns, "parser").join();

    assertThat(store.window(ns, "parser").join()).isEmpty();
    assertThat(store.recordFailure(ns, "parser", KEEP).join()).isEqualTo(1);
  }

  @Test
  void parsersAndNamespacesHaveWindowsOfTheirOwn() {
    String other = fresh("ns");
    store.recordFailure(ns, "parser", KEEP).join();
    store.open(ns, "parser", clock.instant().plus(Duration.ofMinutes(5))).join();

    assertThat(store.window(ns, "other-parser").join()).isEmpty();
    assertThat(store.window(other, "parser").join()).isEmpty();
    assertThat(store.recordFailure(other, "parser", KEEP).join()).isEqualTo(1);
  }

  @Test
  void reopeningMovesTheWindowEnd() {
    store.recordFailure(ns, "parser", KEEP).join();
    store.open(ns, "parser", clock.instant().plus(Duration.ofMinutes(5))).join();
    store.recordFailure(ns, "parser", KEEP).join();
    store.open(ns, "parser", clock.instant().plus(Duration.ofMinutes(10))).join();

    var window = store.window(ns, "parser").join().orElseThrow();
    assertThat(window.remaining(clock.instant())).isEqualTo(Duration.ofMinutes(10));
    assertThat(window.consecutiveFailures()).isEqualTo(2);
  }
}
