package network.notifi.sluice.jobs.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class JobsMetricsTest {

  @Test
  void theDegradedGaugeStillReadsAfterGarbageCollection() {
    var registry = new SimpleMeterRegistry();
    var metrics = new JobsMetrics(registry, List.of("default"), ns -> 10, Clock.systemUTC());
    var degraded = new AtomicBoolean(true);
    // A method reference is a new object that only the gauge holds, as BuildAdmission passes one.
    metrics.failureMode("local", degraded::get);

    for (int i = 0; i < 5; i++) {
      System.gc();
    }

    assertThat(registry.get("jobs_degraded").gauge().value()).isEqualTo(1.0);
    degraded.set(false);
    assertThat(registry.get("jobs_degraded").gauge().value()).isZero();
  }
}
