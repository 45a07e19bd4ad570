/**
 * The Kubernetes job launcher: {@link network.notifi.sluice.k8s.KubernetesJobLauncher} (the one
 * entry class, built from a {@link network.notifi.sluice.k8s.K8sConfig} and an {@code ApiClient}
 * from {@link network.notifi.sluice.k8s.KubernetesClients}), the Job template {@link
 * network.notifi.sluice.k8s.JobSpecFactory}, and what the core needs to act on: the {@link
 * network.notifi.sluice.k8s.DeferralReasons} of a deferred launch and {@link
 * network.notifi.sluice.k8s.ApiHealth}.
 */
package network.notifi.sluice.k8s;
