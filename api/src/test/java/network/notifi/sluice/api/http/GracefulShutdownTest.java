package network.notifi.sluice.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import org.junit.jupiter.api.Test;

/** SIGTERM: unready first while requests are still answered, then the port closes. */
class GracefulShutdownTest {

  @Test
  void shutdownTurnsUnreadyFirstKeepsAnsweringMeanwhileThenStopsAccepting() {
    SluiceApp app = Wiring.build(TestConfigs.config(Map.of("SLUICE_JOBS_LOCAL_COMMAND", "sleep 30")), Map.of())
        .start();
    HttpTestClient client = new HttpTestClient(app.port());
    assertThat(client.get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(client.send(client.buildStart("parser-1")).statusCode()).isEqualTo(202);

    CompletableFuture<Void> stopped = CompletableFuture.runAsync(() -> app.shutdown(Duration.ofSeconds(3)));

    await().atMost(Duration.ofSeconds(1)).until(() -> client.get("/health/ready").statusCode() == 503);
    assertThat(stopped).isNotDone();
    assertThat(client.send(client.buildStart("parser-2")).statusCode()).isEqualTo(202);
    stopped.join();
    assertThatThrownBy(() -> client.get("/health/live")).isInstanceOf(UncheckedIOException.class);
  }
}
