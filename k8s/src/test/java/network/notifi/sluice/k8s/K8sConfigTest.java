package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class K8sConfigTest {

  @Test
  void defaultsAreTheDocumentedOnes() {
    K8sConfig c = K8sConfig.defaults();
    assertThat(c.apiUrl()).isEmpty();
    assertThat(c.reconcileInterval()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.resilience().maxRetries()).isEqualTo(3);
    assertThat(c.resilience().retryBaseDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.resilience().retryMaxDelay()).isEqualTo(Duration.ofMillis(3200));
    assertThat(c.kubernetesNamespace("x")).isEqualTo("x");
  }

  @Test
  void badValuesNameTheSettingAndTheRule() {
    assertThatThrownBy(() -> K8sConfig.defaults().withApiUrl("127.0.0.1:6443"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("k8s.api_url must start with http:// or https://, was \"127.0.0.1:6443\"");
    assertThatThrownBy(() -> new K8sResources("1Gi", "1", "1Gi", "512Mi", "1", "1Gi"))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("k8s.resources.requests.memory must be <= k8s.resources.limits.memory");
    assertThatThrownBy(() -> new K8sResources("lots", "1", "1Gi", "512Mi", "1", "1Gi"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("k8s.resources.requests.memory must be a Kubernetes quantity such as 512Mi or 500m, was \"lots\"");
    assertThatThrownBy(() -> K8sConfig.defaults().withNamespaceMapping(Map.of("a", "Not_A_Label")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("k8s.namespace_mapping.a must be a DNS-1123 label");
    assertThatThrownBy(() -> K8sConfig.defaults().withReconcile(Duration.ofSeconds(10), Duration.ofSeconds(5)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("k8s.grace_period (PT5S) must be >= k8s.reconcile_interval (PT10S)");
    assertThatThrownBy(() -> K8sResilience.defaults().withBreaker(0, 1, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("k8s.resilience.breaker_window must be >= 1, was 0");
  }
}
