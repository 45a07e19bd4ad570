package network.notifi.sluice.k8s;

import network.notifi.sluice.jobs.Names;

/**
 * The ResourceQuota of each managed namespace.
 *
 * @param ensure create the quota named {@code name} where it is missing ({@code k8s.quota.ensure},
 *     false)
 * @param check check that a Job fits every quota of its namespace before creating it ({@code
 *     k8s.quota.check}, true)
 * @param name the ensured quota's name ({@code k8s.quota.name}, {@code sluice-builds})
 * @param jobs {@code count/jobs.batch} ({@code k8s.quota.jobs}, 10)
 * @param limitsMemory {@code limits.memory} ({@code k8s.quota.limits_memory}, 16Gi)
 * @param limitsCpu {@code limits.cpu} ({@code k8s.quota.limits_cpu}, 16)
 * @param requestsEphemeralStorage {@code requests.ephemeral-storage} ({@code
 *     k8s.quota.requests_ephemeral_storage}, 20Gi)
 */
public record K8sQuota(
    boolean ensure,
    boolean check,
    String name,
    int jobs,
    String limitsMemory,
    String limitsCpu,
    String requestsEphemeralStorage) {

  public K8sQuota {
    Names.requireDns1123Label("k8s.quota.name", name);
    if (jobs < 1) {
      throw new IllegalArgumentException("k8s.quota.jobs must be >= 1, was " + jobs);
    }
    K8sConfig.quantity("k8s.quota.limits_memory", limitsMemory);
    K8sConfig.quantity("k8s.quota.limits_cpu", limitsCpu);
    K8sConfig.quantity("k8s.quota.requests_ephemeral_storage", requestsEphemeralStorage);
  }

  public static K8sQuota defaults() {
    return new K8sQuota(false, true, "sluice-builds", 10, "16Gi", "16", "20Gi");
  }

  public K8sQuota withEnsure(boolean value) {
    return new K8sQuota(value, check, name, jobs, limitsMemory, limitsCpu, requestsEphemeralStorage);
  }

  public K8sQuota withJobs(int value) {
    return new K8sQuota(ensure, check, name, value, limitsMemory, limitsCpu, requestsEphemeralStorage);
  }
}
