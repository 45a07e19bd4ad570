/**
 * The Kubernetes job launcher: {@link KubernetesJobLauncher} (the one entry class, built from a {@link
 * K8sConfig} and an {@code ApiClient} from {@link KubernetesClients}), the Job template {@link
 * JobSpecFactory}, and what the core needs to act on: the {@link DeferralReasons} of a deferred launch
 * and {@link ApiHealth}.
 */
package network.notifi.sluice.k8s;
