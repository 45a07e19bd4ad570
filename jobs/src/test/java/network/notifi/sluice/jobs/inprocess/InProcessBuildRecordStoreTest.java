package network.notifi.sluice.jobs.inprocess;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AbstractBuildRecordStoreContractTest;
import network.notifi.sluice.jobs.spi.BuildRecordStore;
import org.junit.jupiter.api.Test;

class InProcessBuildRecordStoreTest extends AbstractBuildRecordStoreContractTest {

  @Override
  protected BuildRecordStore newStore(MutableClock clock) {
    return new InProcessBuildRecordStore(clock);
  }

  @Test
  void rewrittenRecordOutlivesTheDeadlineOfItsFirstWrite() {
    Build build = Build.queued("b-1", "parser", "ns", Optional.empty(), Instant.EPOCH);
    store.put(build, Duration.ofHours(24)).join();
    clock.advance(Duration.ofHours(20));
    store.put(build.running(clock.instant()), Duration.ofHours(24)).join();
    clock.advance(Duration.ofHours(10));

    store.put(Build.queued("b-2", "other", "ns", Optional.empty(), clock.instant()), Duration.ofHours(24)).join();

    assertThat(store.get("b-1").join()).isPresent();
  }
}
