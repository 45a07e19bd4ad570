package network.notifi.sluice.common;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class DaemonThreadsTest {

  @Test
  void namedThreadsAreDaemonsWithTheGivenName() {
    var factory = DaemonThreads.named("sluice-clock");

    Thread first = factory.newThread(() -> {});
    Thread second = factory.newThread(() -> {});

    assertThat(first.isDaemon()).isTrue();
    assertThat(first.getName()).isEqualTo("sluice-clock");
    assertThat(second.getName()).isEqualTo("sluice-clock");
  }

  @Test
  void numberedThreadsAreDaemonsCountedFromOnePerFactory() {
    var pool = DaemonThreads.numbered("sluice-k8s");
    var otherPool = DaemonThreads.numbered("sluice-k8s");

    assertThat(pool.newThread(() -> {}).getName()).isEqualTo("sluice-k8s-1");
    Thread second = pool.newThread(() -> {});
    assertThat(second.getName()).isEqualTo("sluice-k8s-2");
    assertThat(second.isDaemon()).isTrue();
    assertThat(otherPool.newThread(() -> {}).getName()).isEqualTo("sluice-k8s-1");
  }

  @Test
  void threadRunsTheGivenWork() throws InterruptedException {
    var ran = new boolean[1];
    Thread thread = DaemonThreads.named("worker").newThread(() -> ran[0] = true);

    thread.start();
    thread.join();

    assertThat(ran[0]).isTrue();
  }
}
