package network.notifi.sluice.k8s;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Job;
import java.time.Instant;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.k8s.internal.Labels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class JobSpecFactoryTest {

  private static final Pattern LABEL_VALUE = Pattern.compile("(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?");
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private final Build build = Build.queued("3f2c9a1e-0d4b-4c1e-9a7f-2b8c6d5e4f3a", "acme-parser", "team-a",
      Optional.of("Customer #42 / Ünïcode"), Instant.EPOCH).running(Instant.EPOCH);

  @Test
  void jobCarriesTemplateLabelsEnvironmentAndDeadlines() {
    K8sConfig config = K8sConfig.defaults().withNamespaceMapping(Map.of("team-a", "builds-a"));
    V1Job job = JobSpecFactory.of(config).jobFor(build);

    assertThat(job.getApiVersion()).isEqualTo("batch/v1");
    assertThat(job.getKind()).isEqualTo("Job");
    assertThat(job.getMetadata().getName()).isEqualTo("sluice-" + build.id());
    assertThat(job.getMetadata().getNamespace()).isEqualTo("builds-a");
    assertThat(job.getMetadata().getLabels())
        .containsEntry("app.kubernetes.io/managed-by", "sluice")
        .containsEntry(Labels.BUILD_ID, build.id())
        .containsEntry(Labels.PARSER_ID, "acme-parser");
    assertThat(job.getMetadata().getLabels().values()).allMatch(v -> LABEL_VALUE.matcher(v).matches() && v.length() <= 63);
    assertThat(job.getMetadata().getAnnotations()).containsEntry(Labels.THIRD_PARTY, "Customer #42 / Ünïcode");
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(600L);
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(3600);
    var container = job.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(container.getImage()).isEqualTo("busybox:1.36");
    assertThat(container.getArgs()).containsExactly("$(PARSER_ID)");
    assertThat(container.getEnv()).extracting(e -> e.getName() + "=" + e.getValue())
        .contains("PARSER_ID=acme-parser", "BUILD_ID=" + build.id(), "NAMESPACE=team-a",
            "THIRD_PARTY_ID=Customer #42 / Ünïcode");
    assertThat(job.getSpec().getTemplate().getSpec().getRestartPolicy()).isEqualTo("Never");
  }

  @Test
  void resourcesComeFromConfigWithPerNamespaceOverride() {
    var small = new K8sResources("64Mi", "100m", "100Mi", "128Mi", "200m", "200Mi");
    K8sConfig config = K8sConfig.defaults().withResources(K8sResources.defaults(), Map.of("team-a", small));
    var factory = JobSpecFactory.of(config);

    var overridden = factory.jobFor(build).getSpec().getTemplate().getSpec().getContainers().get(0).getResources();
    assertThat(overridden.getLimits()).containsEntry("memory", new Quantity("128Mi"))
        .containsEntry("cpu", new Quantity("200m")).containsEntry("ephemeral-storage", new Quantity("200Mi"));
    Build elsewhere = Build.queued("b-2", "p", "team-b", Optional.empty(), Instant.EPOCH);
    var defaults = factory.jobFor(elsewhere).getSpec().getTemplate().getSpec().getContainers().get(0).getResources();
    assertThat(defaults.getRequests()).containsEntry("memory", new Quantity("256Mi"));
    assertThat(defaults.getLimits()).containsEntry("memory", new Quantity("1Gi"));
  }

  @Test
  void bandwidthAnnotationsAreOnThePodWhenConfigured() {
    var pod = JobSpecFactory.of(K8sConfig.defaults().withBandwidth("10M", "5M")).jobFor(build)
        .getSpec().getTemplate().getMetadata();
    assertThat(pod.getAnnotations())
        .containsEntry("kubernetes.io/ingress-bandwidth", "10M")
        .containsEntry("kubernetes.io/egress-bandwidth", "5M");
    assertThat(JobSpecFactory.of(K8sConfig.defaults()).jobFor(build).getSpec().getTemplate().getMetadata()
        .getAnnotations()).isNull();
  }

  @ParameterizedTest
  @ValueSource(strings = {"3f2c9a1e-0d4b-4c1e-9a7f-2b8c6d5e4f3a", "UPPER_case.id",
      "a-very-long-build-id-that-goes-on-and-on-and-on-well-beyond-sixty-three-characters", "--x--"})
  void jobNameIsADeterministicDns1123Label(String id) {
    String name = JobSpecFactory.jobName(id);
    assertThat(name).matches(DNS_LABEL).hasSizeLessThanOrEqualTo(63).isEqualTo(JobSpecFactory.jobName(id));
  }

  @Test
  void distinctIdsThatSanitiseAlikeGetDistinctNamesAndLabels() {
    assertThat(JobSpecFactory.jobName("A_b")).isNotEqualTo(JobSpecFactory.jobName("a-b"));
    assertThat(Labels.value("x y")).isNotEqualTo(Labels.value("x/y"));
    assertThat(Labels.value("ok-value.1")).isEqualTo("ok-value.1");
    assertThat(Labels.value("-".repeat(100))).matches(LABEL_VALUE);
  }
}
