package network.notifi.sluice.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TopRefusedTest {

  private final AtomicLong now = new AtomicLong(TimeUnit.MINUTES.toNanos(1_000));
  private final TopRefused top = new TopRefused(now::get);

  @Test
  void ranksThirdPartiesByRefusalsMostFirst() {
    refuse("a", 3);
    refuse("b", 7);
    refuse("c", 1);

    assertThat(top.top(2)).containsExactly(Map.entry("b", 7L), Map.entry("a", 3L));
  }

  @Test
  void countsOnlyTheLastFiveMinutes() {
    refuse("old", 50);
    now.addAndGet(TimeUnit.MINUTES.toNanos(3));
    refuse("new", 2);
    assertThat(top.top(10)).containsExactly(Map.entry("old", 50L), Map.entry("new", 2L));

    now.addAndGet(TimeUnit.MINUTES.toNanos(2));
    assertThat(top.top(10)).containsExactly(Map.entry("new", 2L));
  }

  @Test
  void floodOfDistinctIdsIsBoundedPerMinute() {
    for (int i = 0; i < 50_000; i++) {
      top.refused("id-" + i);
    }

    assertThat(top.top(Integer.MAX_VALUE)).hasSize(TopRefused.MAX_PER_MINUTE);
  }

  private void refuse(String id, int times) {
    for (int i = 0; i < times; i++) {
      top.refused(id);
    }
  }
}
