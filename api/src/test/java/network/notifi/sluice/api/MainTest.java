package network.notifi.sluice.api;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MainTest {

  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream originalErr;

  @BeforeEach
  void captureStderr() {
    originalErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restoreStderr() {
    System.setErr(originalErr);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void invalidEnvironmentStopsTheStartWithOneLineNamingKeyValueAndRule() {
    int exit = Main.run(new String[0], Map.of("SLUICE_RATE_LIMITING_GLOBAL_BURST", "0"));

    assertThat(exit).isEqualTo(Main.EXIT_CONFIG);
    assertThat(stderr().lines()).containsExactly(
        "sluice: invalid configuration: rate_limiting.global_burst = 0"
            + " (from SLUICE_RATE_LIMITING_GLOBAL_BURST): burst must be >= 1, was 0");
  }

  @Test
  void invalidFileStopsTheStart(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "rate_limiting:\n  global_rps: -1\n");

    int exit = Main.run(new String[] {"--config", file.toString()}, Map.of());

    assertThat(exit).isEqualTo(Main.EXIT_CONFIG);
    assertThat(stderr().lines()).containsExactly(
        "sluice: invalid configuration: rate_limiting.global_rps = -1: rate must be >= 1 per second, was -1");
  }

  @Test
  void configFileComesFromTheEnvironmentWhenNotGivenAsAnArgument(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, "rate_limiting:\n  failure_backoff_period: soon\n");

    int exit = Main.run(new String[0], Map.of("SLUICE_CONFIG", file.toString()));

    assertThat(exit).isEqualTo(Main.EXIT_CONFIG);
    assertThat(stderr()).contains("rate_limiting.failure_backoff_period = soon");
  }

  @Test
  void aTakenAdminPortStopsTheStartWithOneLineNamingIt() throws Exception {
    try (var taken = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      int exit = Main.run(new String[0], Map.of(
          "SLUICE_PORT", "0", "SLUICE_SERVER_HOST", "127.0.0.1",
          "SLUICE_SERVER_ADMIN_PORT", Integer.toString(taken.getLocalPort())));

      assertThat(exit).isEqualTo(Main.EXIT_CONFIG);
      assertThat(stderr()).contains("sluice: cannot listen: ")
          .contains("server.admin_port " + taken.getLocalPort())
          .doesNotContain("\tat ");
    }
  }

  @Test
  void unknownArgumentIsAUsageError() {
    assertThat(Main.run(new String[] {"--conifg", "x"}, Map.of())).isEqualTo(Main.EXIT_USAGE);
    assertThat(stderr()).contains("unknown argument --conifg").contains("usage:");
  }
}
