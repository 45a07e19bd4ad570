package network.notifi.sluice.limiter.internal;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WindowedMaxTest {

  private final AtomicLong now = new AtomicLong(1_000);
  private final WindowedMax max = new WindowedMax(10, now::get);

  @Test
  void showsThePeakOfTheCurrentWindow() {
    max.observe(0.2);
    max.observe(0.9);
    max.observe(0.5);

    assertThat(max.value()).isEqualTo(0.9);
  }

  @Test
  void keepsThePreviousWindowsPeakForOneMoreWindowThenForgetsIt() {
    max.observe(0.9);
    now.addAndGet(10);
    max.observe(0.3);
    assertThat(max.value()).isEqualTo(0.9);

    now.addAndGet(10);
    assertThat(max.value()).isEqualTo(0.3);

    now.addAndGet(20);
    assertThat(max.value()).isZero();
  }
}
