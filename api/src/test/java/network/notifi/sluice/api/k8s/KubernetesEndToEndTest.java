package network.notifi.sluice.api.k8s;

import static network.notifi.sluice.api.http.HttpTestClient.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.kubernetes.client.openapi.models.V1Job;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.k8s.testing.TestApiServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Builds as Kubernetes Jobs, end to end through HTTP. No cluster is available here: the API server is
 * a stand-in (fabric8's mock in CRUD mode) that the official client talks to over HTTP, and the test
 * moves Jobs to Complete or Failed as the Job controller would.
 */
class KubernetesEndToEndTest {

  private TestApiServer api;
  private SluiceApp app;
  private HttpTestClient client;

  @BeforeEach
  void start() {
    api = TestApiServer.start();
    var config = TestConfigs.config(Map.of(
        "SLUICE_JOBS_LAUNCHER", "kubernetes",
        "SLUICE_K8S_API_URL", api.url(),
        "SLUICE_K8S_RECONCILE_INTERVAL", "300ms",
        "SLUICE_K8S_WATCH", "false",
        "SLUICE_K8S_RESOURCES_LIMITS_MEMORY", "512Mi",
        "SLUICE_RATE_LIMITING_FAILURE_BACKOFF_PERIOD", "1m"));
    app = Wiring.build(config, Map.of()).start();
    client = new HttpTestClient(app.port());
  }

  @AfterEach
  void stop() {
    if (app != null) {
      app.close();
    }
    api.close();
  }

  @Test
  void fifteenBuildsMakeTenJobsWithLimitsAndLabelsFiveQueuedThatStartAsJobsComplete() {
    List<JsonNode> answers = new ArrayList<>();
    for (int i = 1; i <= 15; i++) {
      var response = client.send(client.buildStart("parser-" + i).header("X-Third-Party-ID", "customer-1"));
      assertThat(response.statusCode()).isEqualTo(202);
      answers.add(json(response));
    }

    assertThat(answers).filteredOn(a -> a.get("status").asText().equals("running")).hasSize(10);
    assertThat(answers).filteredOn(a -> a.get("status").asText().equals("queued")).hasSize(5);
    List<V1Job> jobs = api.jobs("default");
    assertThat(jobs).hasSize(10);
    V1Job job = jobs.get(0);
    assertThat(job.getMetadata().getLabels()).containsEntry("app.kubernetes.io/managed-by", "sluice");
    assertThat(job.getMetadata().getLabels()).containsKey("sluice.notifi.network/parser-id");
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getResources().getLimits().get("memory").toSuffixedString()).isEqualTo("512Mi");
    assertThat(container.getResources().getLimits()).containsKeys("cpu", "ephemeral-storage");

    api.complete("default", jobs.get(0).getMetadata().getName());
    api.complete("default", jobs.get(1).getMetadata().getName());

    await().atMost(Duration.ofSeconds(15)).untilAsserted(() -> assertThat(api.jobs("default")).hasSize(12));
    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(json(client.get("/builds/" + answers.get(10).get("build_id").asText())).get("status").asText())
            .isEqualTo("running"));
  }

  @Test
  void failedJobOpensTheParsersBackoffWindow() {
    var started = json(client.send(client.buildStart("invalid-parser")));
    assertThat(started.get("status").asText()).isEqualTo("running");
    String jobName = api.jobs("default").get(0).getMetadata().getName();

    api.fail("default", jobName, "BackoffLimitExceeded");

    await().atMost(Duration.ofSeconds(15)).untilAsserted(() ->
        assertThat(json(client.get("/builds/" + started.get("build_id").asText())).get("status").asText())
            .isEqualTo("failed"));
    var again = client.send(client.buildStart("invalid-parser"));
    assertThat(again.statusCode()).isEqualTo(429);
    assertThat(json(again).get("reason").asText()).isEqualTo("build_backoff");
  }
}
