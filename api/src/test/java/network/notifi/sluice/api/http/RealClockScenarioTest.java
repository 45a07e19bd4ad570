package network.notifi.sluice.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.config.ConfigLoader;
import org.junit.jupiter.api.Test;

/** The seed's scenario 1 on the real clock: tokens refill while the burst is in flight. */
class RealClockScenarioTest {

  @Test
  void burstIsAdmittedUpToTheEndpointBurstPlusWhatRefilledDuringIt() {
    var config = TestConfigs.config();
    try (var app = SluiceApp.builder(config).build().start()) {
      var client = new HttpTestClient(app.port());
      List<HttpRequest.Builder> requests = new ArrayList<>();
      for (int i = 1; i <= 200; i++) {
        requests.add(client.buildStart("parser-" + i));
      }

      long start = System.nanoTime();
      var responses = client.sendConcurrently(requests);
      double elapsedSeconds = (System.nanoTime() - start) / 1e9;

      long admitted = responses.stream().filter(r -> r.statusCode() == 202).count();
      long refused = responses.stream().filter(r -> r.statusCode() == 429).count();
      // Endpoint level: burst 100, refilled at 50/s for as long as the burst took.
      long refillBound = (long) Math.ceil(50 * elapsedSeconds);
      assertThat(admitted).isBetween(100L, 100L + refillBound);
      assertThat(admitted + refused).isEqualTo(200);
    }
  }
}
