package network.notifi.sluice.jobs.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class JobListenersTest {

  private final JobListeners listeners = new JobListeners();
  private final JobOutcome first = JobOutcome.succeeded("b1", "default");
  private final JobOutcome second = JobOutcome.failed("b2", "default", "exit code 1");

  @Test
  void everyListenerHearsEveryEndEvenAfterOneThrows() {
    List<JobOutcome> heardByA = new ArrayList<>();
    List<JobOutcome> heardByC = new ArrayList<>();
    listeners.add(heardByA::add);
    listeners.add(outcome -> {
      throw new IllegalStateException("listener bug");
    });
    listeners.add(heardByC::add);

    listeners.tell(first);
    listeners.tell(second);

    assertThat(heardByA).containsExactly(first, second);
    assertThat(heardByC).containsExactly(first, second);
  }

  @Test
  void endsToldBeforeTheFirstListenerAreToldToItWhenItRegisters() {
    listeners.tell(first);
    listeners.tell(second);
    assertThat(listeners.any()).isFalse();

    List<JobOutcome> heard = new ArrayList<>();
    listeners.add(heard::add);
    List<JobOutcome> heardLater = new ArrayList<>();
    listeners.add(heardLater::add);

    assertThat(listeners.any()).isTrue();
    assertThat(heard).containsExactly(first, second);
    assertThat(heardLater).isEmpty();
  }

  @Test
  void atMostKeptUnheardEndsAreKeptTheOldestDropped() {
    for (int i = 0; i <= JobListeners.KEPT_UNHEARD; i++) {
      listeners.tell(JobOutcome.succeeded("b" + i, "default"));
    }

    List<JobOutcome> heard = new ArrayList<>();
    listeners.add(heard::add);

    assertThat(heard).hasSize(JobListeners.KEPT_UNHEARD);
    assertThat(heard.get(0).buildId()).isEqualTo("b1");
    assertThat(heard.get(heard.size() - 1).buildId()).isEqualTo("b" + JobListeners.KEPT_UNHEARD);
  }
}
