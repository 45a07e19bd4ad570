package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class KubernetesClientsTest {

  @Test
  void apiUrlWinsAndTheCallTimeoutBoundsReadsExceptForWatches() {
    K8sConfig config = K8sConfig.defaults().withApiUrl("http://127.0.0.1:8001")
        .withResilience(K8sResilience.defaults().withCallTimeout(Duration.ofSeconds(4)));

    var client = KubernetesClients.fromConfig(config);
    var watches = KubernetesClients.forWatches(config);

    assertThat(client.getBasePath()).isEqualTo("http://127.0.0.1:8001");
    assertThat(client.getReadTimeout()).isEqualTo(4000);
    assertThat(client.getConnectTimeout()).isEqualTo(4000);
    assertThat(watches.getReadTimeout()).isZero();
  }
}
