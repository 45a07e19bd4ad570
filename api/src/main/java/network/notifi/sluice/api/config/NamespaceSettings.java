package network.notifi.sluice.api.config;

import java.util.Set;
import java.util.TreeSet;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.k8s.K8sConfig;

/**
 * Checks that the Kubernetes settings name only configured namespaces, and that none maps onto the
 * cluster's own: the Kubernetes namespace a build runs in is the operator's choice, never a client's.
 */
final class NamespaceSettings {

  /** Where the cluster runs itself; builds never go there. */
  static final Set<String> SYSTEM_NAMESPACES = Set.of("kube-system", "kube-public", "kube-node-lease");

  private NamespaceSettings() {}

  static void check(JobsConfig jobs, K8sConfig k8s) {
    for (String namespace : k8s.namespaces()) {
      requireConfigured(jobs, "k8s.namespaces entry " + namespace, namespace);
    }
    for (String namespace : k8s.namespaceMapping().keySet()) {
      requireConfigured(jobs, "k8s.namespace_mapping key " + namespace, namespace);
    }
    for (String namespace : jobs.namespaces()) {
      String target = k8s.kubernetesNamespace(namespace);
      if (SYSTEM_NAMESPACES.contains(target)) {
        throw new ConfigException("namespace " + namespace + " maps to the Kubernetes namespace " + target
            + " (k8s.namespace_mapping): builds never run in " + String.join(", ", new TreeSet<>(SYSTEM_NAMESPACES)));
      }
    }
  }

  private static void requireConfigured(JobsConfig jobs, String what, String namespace) {
    if (!jobs.isConfigured(namespace)) {
      throw new ConfigException(what + " is not a configured namespace (jobs.namespaces and the keys of"
          + " jobs.namespace_limits): " + jobs.namespaces());
    }
  }
}
