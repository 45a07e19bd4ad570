package network.notifi.sluice.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class BoundedLogTest {

  private static void write(BoundedLog log, String text) {
    byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
    log.write(bytes, 0, bytes.length);
  }

  @Test
  void keepsEverythingWhileUnderCapacity() {
    BoundedLog log = new BoundedLog(16);
    write(log, "hello ");
    write(log, "world");

    assertThat(log.text()).isEqualTo("hello world");
    assertThat(log.truncated()).isFalse();
  }

  @Test
  void keepsTheLastBytesAcrossManyWrites() {
    BoundedLog log = new BoundedLog(8);
    write(log, "abcdef");
    write(log, "ghijkl");

    assertThat(log.text()).isEqualTo("efghijkl");
    assertThat(log.totalBytes()).isEqualTo(12);
    assertThat(log.truncated()).isTrue();
  }

  @Test
  void oneWriteLargerThanTheCapacityKeepsItsTail() {
    BoundedLog log = new BoundedLog(4);
    write(log, "xy");
    write(log, "0123456789");

    assertThat(log.text()).isEqualTo("6789");
    assertThat(log.totalBytes()).isEqualTo(12);
  }
}
