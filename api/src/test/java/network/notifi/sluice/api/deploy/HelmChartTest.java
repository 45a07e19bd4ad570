package network.notifi.sluice.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.marcnuri.helm.Helm;
import com.marcnuri.helm.TemplateCommand;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.UnaryOperator;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.config.SluiceConfig;
import network.notifi.sluice.api.observability.RepoFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/helm/sluice: {@code helm lint --strict} and {@code helm template} through helm-java (the
 * helm library, no binary, no cluster), then the rendered objects: what each must hold for Sluice to
 * run as designed (probes on real paths, shutdown, non-root, the admin port reachable by monitoring
 * only, RBAC in every namespace the rendered configuration sends Jobs to, a configuration file that
 * Sluice loads).
 */
class HelmChartTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static Helm chart;
  private static List<JsonNode> rendered;

  @BeforeAll
  static void render() throws IOException {
    chart = new Helm(RepoFiles.path("deploy/helm/sluice"));
    rendered = template(t -> t);
  }

  private static List<JsonNode> template(UnaryOperator<TemplateCommand> values) throws IOException {
    var command = chart.template()
        .withName("sluice")
        .withNamespace("sluice")
        .set("redis.addresses[0]", "redis-0.redis:6379")
        .set("redis.addresses[1]", "redis-1.redis:6379")
        .set("secret.adminToken", "a-token");
    String yaml = values.apply(command).call();
    List<JsonNode> objects = new ArrayList<>();
    try (var parser = YAML.getFactory().createParser(yaml)) {
      for (var it = YAML.readValues(parser, JsonNode.class); it.hasNext(); ) {
        JsonNode object = it.next();
        if (object != null && !object.isNull() && !object.isMissingNode()) {
          objects.add(object);
        }
      }
    }
    return objects;
  }

  private static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
  }

  private static JsonNode one(String kind) {
    assertThat(ofKind(rendered, kind)).as(kind).hasSize(1);
    return ofKind(rendered, kind).get(0);
  }

  @Test
  void lintsCleanInStrictMode() {
    var result = chart.lint().strict().call();

    assertThat(result.isFailed()).as(String.join("\n", result.getMessages())).isFalse();
  }

  @Test
  void rendersEveryObjectOfTheDeployment() {
    Set<String> kinds = new TreeSet<>();
    rendered.forEach(o -> kinds.add(o.path("kind").asText()));

    assertThat(kinds).containsExactlyInAnyOrder(
        "ConfigMap", "Deployment", "HorizontalPodAutoscaler", "NetworkPolicy", "PodDisruptionBudget",
        "Role", "RoleBinding", "Secret", "Service", "ServiceAccount", "ServiceMonitor");
  }

  @Test
  void theDeploymentProbesRealPathsShutsDownGracefullyAndRunsLocked() {
    JsonNode pod = one("Deployment").at("/spec/template/spec");
    JsonNode container = pod.at("/containers/0");

    assertThat(pod.get("enableServiceLinks").asBoolean(true)).isFalse();
    assertThat(container.at("/livenessProbe/httpGet/path").asText()).isEqualTo("/health/live");
    assertThat(container.at("/readinessProbe/httpGet/path").asText()).isEqualTo("/health/ready");
    assertThat(container.at("/startupProbe/httpGet/path").asText()).isEqualTo("/health/live");
    assertThat(container.at("/readinessProbe/httpGet/port").asText()).isEqualTo("http");
    assertThat(port(container, "http")).isEqualTo(8080);
    assertThat(port(container, "admin")).isEqualTo(9090);
    // preStop first, then SIGTERM's drain: the grace period must leave room for both.
    int preStop = Integer.parseInt(container.at("/lifecycle/preStop/exec/command/1").asText());
    assertThat(container.at("/lifecycle/preStop/exec/command/0").asText()).isEqualTo("sleep");
    assertThat(pod.get("terminationGracePeriodSeconds").asInt()).isGreaterThanOrEqualTo(preStop + 30);
    assertThat(pod.at("/securityContext/runAsNonRoot").asBoolean()).isTrue();
    assertThat(pod.at("/securityContext/runAsUser").asInt()).isPositive();
    assertThat(container.at("/securityContext/readOnlyRootFilesystem").asBoolean()).isTrue();
    assertThat(container.at("/securityContext/allowPrivilegeEscalation").asBoolean(true)).isFalse();
    assertThat(container.at("/resources/requests/cpu").asText()).isNotEmpty();
    assertThat(container.at("/resources/limits/memory").asText()).isNotEmpty();
    // A read-only root needs a writable /tmp for the JVM and Jetty.
    assertThat(container.get("volumeMounts")).anySatisfy(m -> assertThat(m.get("mountPath").asText()).isEqualTo("/tmp"));
    // The HPA owns the replica count.
    assertThat(one("Deployment").at("/spec/replicas").isMissingNode()).isTrue();
  }

  @Test
  void theConfigurationFileIsOneSluiceLoadsAndPointsAtTheChartsRedisAndNamespaces() throws IOException {
    String file = one("ConfigMap").at("/data/sluice.yaml").asText();

    SluiceConfig config = ConfigLoader.loadYaml(file, Map.of());

    assertThat(config.server().port()).isEqualTo(8080);
    assertThat(config.server().adminPort()).isEqualTo(9090);
    assertThat(config.redis().addresses()).containsExactly("redis-0.redis:6379", "redis-1.redis:6379");
    assertThat(config.jobs().launcher()).isEqualTo(SluiceConfig.Launcher.KUBERNETES);
    assertThat(config.jobs().kubernetes().namespaces()).containsExactly("builds");
    assertThat(config.jobs().admission().defaultNamespace()).isEqualTo("builds");
  }

  @Test
  void everyNamespaceTheConfigurationSendsJobsToHasTheRoleForJobsAndQuotas() throws IOException {
    var config = YAML.readTree(one("ConfigMap").at("/data/sluice.yaml").asText());
    Set<String> jobNamespaces = new TreeSet<>();
    config.at("/k8s/namespaces").forEach(ns -> jobNamespaces.add(ns.asText()));
    jobNamespaces.add(config.at("/jobs/default_namespace").asText());

    Set<String> bound = new TreeSet<>();
    ofKind(rendered, "RoleBinding").forEach(b -> {
      assertThat(b.at("/subjects/0/name").asText()).isEqualTo(one("ServiceAccount").at("/metadata/name").asText());
      assertThat(b.at("/subjects/0/namespace").asText()).isEqualTo("sluice");
      bound.add(b.at("/metadata/namespace").asText());
    });
    assertThat(bound).isEqualTo(jobNamespaces);
    for (JsonNode role : ofKind(rendered, "Role")) {
      assertThat(role.get("rules").toString())
          .contains("\"jobs\"", "\"create\"", "\"watch\"", "\"delete\"", "\"resourcequotas\"");
    }
  }

  @Test
  void secretsReachThePodAndTheAdminPortOnlyMonitoring() {
    var env = one("Deployment").at("/spec/template/spec/containers/0/env");
    Set<String> fromSecret = new TreeSet<>();
    env.forEach(e -> {
      if (e.at("/valueFrom/secretKeyRef/key").isTextual()) {
        fromSecret.add(e.get("name").asText() + "=" + e.at("/valueFrom/secretKeyRef/key").asText());
      }
    });
    var secret = one("Secret").get("stringData");

    assertThat(fromSecret).containsExactlyInAnyOrder("SLUICE_REDIS_PASSWORD=redis-password", "SLUICE_ADMIN_TOKEN=admin-token");
    assertThat(secret.get("admin-token").asText()).isEqualTo("a-token");
    assertThat(secret.has("redis-password")).isTrue();
    assertThat(secret.has("api-keys.yaml")).isTrue();

    var services = ofKind(rendered, "Service");
    assertThat(services).extracting(s -> s.at("/spec/ports/0/port").asInt()).containsExactlyInAnyOrder(8080, 9090);
    var monitor = one("ServiceMonitor");
    assertThat(monitor.at("/spec/endpoints/0/port").asText()).isEqualTo("admin");
    assertThat(monitor.at("/spec/endpoints/0/path").asText()).isEqualTo("/metrics");

    var rules = one("NetworkPolicy").at("/spec/ingress");
    JsonNode adminRule = null;
    for (JsonNode rule : rules) {
      if (rule.at("/ports/0/port").asText().equals("admin")) {
        adminRule = rule;
      } else {
        assertThat(rule.at("/ports/0/port").asText()).isEqualTo("http");
      }
    }
    assertThat(adminRule).as("a rule for the admin port").isNotNull();
    assertThat(adminRule.at("/from/0/namespaceSelector/matchLabels").toString()).contains("monitoring");

    assertThat(one("PodDisruptionBudget").at("/spec/maxUnavailable").asInt()).isEqualTo(1);
    assertThat(one("HorizontalPodAutoscaler").at("/spec/metrics/0/resource/name").asText()).isEqualTo("cpu");
  }

  @Test
  void withKedaTheQueuesLagScalesInsteadOfTheHpa(@TempDir Path dir) throws IOException {
    Path values = dir.resolve("values.yaml");
    Files.writeString(values, "keda: {enabled: true}\nbuilds: {namespaces: [builds, builds-large]}\n");
    var objects = template(t -> t.withValuesFile(values));

    assertThat(ofKind(objects, "HorizontalPodAutoscaler")).isEmpty();
    var scaled = ofKind(objects, "ScaledObject");
    assertThat(scaled).hasSize(1);
    List<String> streams = new ArrayList<>();
    scaled.get(0).at("/spec/triggers").forEach(t -> {
      assertThat(t.get("type").asText()).isEqualTo("redis-cluster-streams");
      assertThat(t.at("/metadata/consumerGroup").asText()).isEqualTo("dispatchers");
      streams.add(t.at("/metadata/stream").asText());
    });
    // The keys of RedisBuildQueue's streams (JobKeys.queue).
    assertThat(streams)
        .containsExactly("sluice:jobs:{jobs}:ns:builds:queue", "sluice:jobs:{jobs}:ns:builds-large:queue");
    assertThat(ofKind(objects, "RoleBinding")).hasSize(2);
  }

  @Test
  void aDefaultNamespaceWithoutItsRbacIsRefused() {
    assertThatThrownBy(() -> template(t -> t.set("builds.defaultNamespace", "default")))
        .hasMessageContaining("builds.defaultNamespace default must be one of builds.namespaces");
  }

  private static int port(JsonNode container, String name) {
    for (JsonNode port : container.get("ports")) {
      if (port.get("name").asText().equals(name)) {
        return port.get("containerPort").asInt();
      }
    }
    throw new AssertionError("no container port " + name);
  }
}
