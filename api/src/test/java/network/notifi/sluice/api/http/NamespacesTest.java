package network.notifi.sluice.api.http;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.http.HttpRequest;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.config.ConfigException;
import network.notifi.sluice.api.config.ConfigLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Namespaces come from configuration only: a request cannot create one. */
class NamespacesTest {

  private RunningApp running;
  private HttpTestClient client;
  private HttpTestClient admin;

  private void start(Map<String, String> env) {
    running = RunningApp.start(env);
    client = running.client();
    admin = running.admin();
  }

  @AfterEach
  void stop() {
    if (running != null) {
      running.close();
    }
  }

  @Test
  void theConfiguredSetIsTheDefaultNamespaceUnlessConfiguredOtherwise() {
    var jobs = ConfigLoader.load(Optional.empty(), Map.of()).jobs().admission();

    assertThat(jobs.namespaces()).containsExactly("default");
  }

  @Test
  void theConfiguredSetIsTheListPlusTheNamespacesWithLimits() {
    var jobs = ConfigLoader.loadYaml("""
        jobs:
          namespaces: [default, team-a]
          namespace_limits: {team-b: 3}
        """, Map.of()).jobs().admission();

    assertThat(jobs.namespaces()).containsExactlyInAnyOrder("default", "team-a", "team-b");
  }

  @Test
  void theDefaultNamespaceMustBeConfigured() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_JOBS_NAMESPACES", "team-a")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("jobs.default_namespace (default) must be one of the configured namespaces"
            + " (jobs.namespaces and the keys of jobs.namespace_limits): [team-a] (from SLUICE_JOBS_NAMESPACES)");
  }

  @Test
  void kubernetesSettingsNameOnlyConfiguredNamespaces() {
    assertThatThrownBy(() -> ConfigLoader.loadYaml("""
        k8s:
          namespace_mapping: {team-x: builds-x}
        """, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("k8s.namespace_mapping key team-x is not a configured namespace (jobs.namespaces and the"
            + " keys of jobs.namespace_limits): [default]");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_K8S_NAMESPACES", "default,other")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("k8s.namespaces entry other is not a configured namespace");
  }

  @Test
  void noNamespaceMapsOntoTheClustersOwn() {
    assertThatThrownBy(() -> ConfigLoader.loadYaml("""
        k8s:
          namespace_mapping: {default: kube-system}
        """, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage("namespace default maps to the Kubernetes namespace kube-system (k8s.namespace_mapping):"
            + " builds never run in kube-node-lease, kube-public, kube-system");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_JOBS_NAMESPACES", "default,kube-public")))
        .isInstanceOf(ConfigException.class)
        .hasMessageStartingWith("namespace kube-public maps to the Kubernetes namespace kube-public");
  }

  @Test
  void aNamespaceNobodyConfiguredIsRefusedBeforeTheLimiter() {
    start(Map.of());
    for (int i = 0; i < 100; i++) {
      var response = client.send(inNamespace("made-up-" + i, "parser-" + i));

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(json(response).get("reason").asText()).isEqualTo("unknown_namespace");
      assertThat(json(response).get("detail").asText())
          .isEqualTo("namespace made-up-" + i + " is not configured; namespaces are set by the operator (jobs.namespaces)");
    }

    String metrics = admin.get("/metrics").body();
    assertThat(metrics).contains("rate_limit_requests_total{limit_type=\"endpoint\"} 0.0");
    // No slot gauge, no queue, nothing kept for the namespaces that were named.
    assertThat(metrics).doesNotContain("made-up-");
    assertThat(json(admin.get("/ratelimits")).at("/jobs/namespaces").size()).isEqualTo(1);
  }

  @Test
  void configuredNamespacesAreServed() {
    start(Map.of("SLUICE_JOBS_NAMESPACES", "default,team-a"));

    var inTeamA = client.send(inNamespace("team-a", "parser-1"));
    var inDefault = client.send(client.buildStart("parser-2"));

    assertThat(inTeamA.statusCode()).isEqualTo(202);
    assertThat(json(inTeamA).get("namespace").asText()).isEqualTo("team-a");
    assertThat(json(inDefault).get("namespace").asText()).isEqualTo("default");
    assertThat(json(admin.get("/ratelimits")).at("/jobs/namespaces").size()).isEqualTo(2);
  }

  private HttpRequest.Builder inNamespace(String namespace, String parser) {
    return client.post("/events")
        .header("Ce-Type", HttpTestClient.BUILD_START)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(
            "{\"parser_id\":\"" + parser + "\",\"namespace\":\"" + namespace + "\"}"));
  }
}
