package network.notifi.sluice.api.tracing;

import io.opentelemetry.api.OpenTelemetry;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import network.notifi.sluice.limiter.spi.AbstractBucketStoreContractTest;
import network.notifi.sluice.limiter.spi.BucketStore;

/** The tracing decorator is a store like any other: spans change nothing a caller sees. */
class TracingBucketStoreContractTest extends AbstractBucketStoreContractTest {

  @Override
  protected BucketStore newStore(ManualClock clock) {
    return new TracingBucketStore(
        InProcessBucketStore.create(clock, 10_000), OpenTelemetry.noop().getTracer("test"), "in-process");
  }
}
