package network.notifi.sluice.k8s;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1EnvVar;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobSpec;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1PodSpec;
import io.kubernetes.client.openapi.models.V1PodTemplateSpec;
import io.kubernetes.client.openapi.models.V1ResourceRequirements;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.k8s.internal.Labels;

/**
 * Makes the Kubernetes Job of a build from the {@link K8sConfig} template: image, command and args,
 * the build's environment, labels, resources, deadlines and bandwidth annotations.
 *
 * <p>The Job's name is a pure function of the build id ({@link #jobName}), so creating the same
 * build twice can only ever collide with its own Job. Label values are sanitised (third-party ids
 * may hold any character); the exact ids are kept in annotations. Immutable and thread-safe.
 */
public final class JobSpecFactory {

  /** Pod annotation limiting inbound bandwidth (bandwidth CNI plugin). */
  public static final String INGRESS_BANDWIDTH = "kubernetes.io/ingress-bandwidth";
  /** Pod annotation limiting outbound bandwidth (bandwidth CNI plugin). */
  public static final String EGRESS_BANDWIDTH = "kubernetes.io/egress-bandwidth";

  private final K8sConfig config;

  private JobSpecFactory(K8sConfig config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  public static JobSpecFactory of(K8sConfig config) {
    return new JobSpecFactory(config);
  }

  /** The name of the build's Job; the same for every call with the same id. */
  public static String jobName(String buildId) {
    return Labels.jobName(buildId);
  }

  /** The Job that runs {@code build}, ready to create in {@code config.kubernetesNamespace(build.namespace())}. */
  public V1Job jobFor(Build build) {
    Map<String, String> labels = new LinkedHashMap<>();
    labels.put(Labels.MANAGED_BY, Labels.MANAGER);
    labels.put(Labels.BUILD_ID, Labels.value(build.id()));
    labels.put(Labels.PARSER_ID, Labels.value(build.parserId()));
    labels.put(Labels.NAMESPACE, Labels.value(build.namespace()));
    build.thirdParty().ifPresent(tp -> labels.put(Labels.THIRD_PARTY, Labels.value(tp)));

    Map<String, String> annotations = new LinkedHashMap<>();
    annotations.put(Labels.BUILD_ID, build.id());
    annotations.put(Labels.PARSER_ID, build.parserId());
    annotations.put(Labels.NAMESPACE, build.namespace());
    build.thirdParty().ifPresent(tp -> annotations.put(Labels.THIRD_PARTY, tp));

    Map<String, String> podAnnotations = new LinkedHashMap<>();
    config.ingressBandwidth().ifPresent(v -> podAnnotations.put(INGRESS_BANDWIDTH, v));
    config.egressBandwidth().ifPresent(v -> podAnnotations.put(EGRESS_BANDWIDTH, v));

    V1Container container =
        new V1Container()
            .name("build")
            .image(config.image())
            .env(List.of(
                env("PARSER_ID", build.parserId()),
                env("BUILD_ID", build.id()),
                env("NAMESPACE", build.namespace()),
                env("THIRD_PARTY_ID", build.thirdParty().orElse(""))))
            .resources(resources(config.resourcesFor(build.namespace())));
    if (!config.command().isEmpty()) {
      container.command(config.command());
    }
    if (!config.args().isEmpty()) {
      container.args(config.args());
    }

    return new V1Job()
        .apiVersion("batch/v1")
        .kind("Job")
        .metadata(new V1ObjectMeta()
            .name(jobName(build.id()))
            .namespace(config.kubernetesNamespace(build.namespace()))
            .labels(labels)
            .annotations(annotations))
        .spec(new V1JobSpec()
            .backoffLimit(config.backoffLimit())
            .activeDeadlineSeconds(config.activeDeadline().getSeconds())
            .ttlSecondsAfterFinished((int) Math.min(Integer.MAX_VALUE, config.ttlAfterFinished().getSeconds()))
            .template(new V1PodTemplateSpec()
                .metadata(new V1ObjectMeta()
                    .labels(labels)
                    .annotations(podAnnotations.isEmpty() ? null : podAnnotations))
                .spec(new V1PodSpec()
                    .restartPolicy("Never")
                    .containers(List.of(container)))));
  }

  private static V1EnvVar env(String name, String value) {
    return new V1EnvVar().name(name).value(value);
  }

  private static V1ResourceRequirements resources(K8sResources r) {
    return new V1ResourceRequirements()
        .requests(Map.of(
            "memory", new Quantity(r.requestsMemory()),
            "cpu", new Quantity(r.requestsCpu()),
            "ephemeral-storage", new Quantity(r.requestsEphemeralStorage())))
        .limits(Map.of(
            "memory", new Quantity(r.limitsMemory()),
            "cpu", new Quantity(r.limitsCpu()),
            "ephemeral-storage", new Quantity(r.limitsEphemeralStorage())));
  }
}
