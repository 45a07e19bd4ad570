package network.notifi.sluice.k8s.internal;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Container;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import java.math.BigDecimal;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * ResourceQuota arithmetic, pure: what a Job claims against a quota, and whether it fits.
 *
 * <p>Where a quota has no {@code status.used} (a fresh quota, or an API server that does not
 * enforce quotas) usage is computed from Sluice's own Jobs: {@code count/jobs.batch} counts every
 * Job that exists (finished ones too, until their TTL removes them, as Kubernetes counts them), the
 * compute resources count the Jobs still running.
 */
public final class QuotaMath {

  public static final String COUNT_JOBS = "count/jobs.batch";

  private QuotaMath() {}

  /** What one Job claims, by quota resource name. */
  public static Map<String, BigDecimal> demand(V1Job job) {
    Map<String, BigDecimal> demand = new HashMap<>();
    demand.put(COUNT_JOBS, BigDecimal.ONE);
    List<V1Container> containers = job.getSpec() == null || job.getSpec().getTemplate().getSpec() == null
        ? List.of()
        : job.getSpec().getTemplate().getSpec().getContainers();
    for (V1Container c : containers) {
      if (c.getResources() == null) {
        continue;
      }
      add(demand, "requests.", c.getResources().getRequests());
      add(demand, "limits.", c.getResources().getLimits());
      Map<String, Quantity> requests = c.getResources().getRequests();
      if (requests != null) {
        requests.forEach((k, v) -> demand.merge(k, v.getNumber(), BigDecimal::add));
      }
    }
    return demand;
  }

  /** Usage of {@code resource} computed from the namespace's managed Jobs. */
  public static BigDecimal usedBy(String resource, List<V1Job> managedJobs) {
    BigDecimal used = BigDecimal.ZERO;
    for (V1Job job : managedJobs) {
      if (COUNT_JOBS.equals(resource) || !JobStates.isFinished(job)) {
        used = used.add(demand(job).getOrDefault(resource, BigDecimal.ZERO));
      }
    }
    return used;
  }

  /**
   * Why {@code job} does not fit {@code quota}, or empty if it fits: hard minus used must cover the
   * demand of every resource the quota limits.
   */
  public static Optional<String> doesNotFit(V1ResourceQuota quota, V1Job job, List<V1Job> managedJobs) {
    if (quota.getSpec() == null || quota.getSpec().getHard() == null) {
      return Optional.empty();
    }
    Map<String, BigDecimal> demand = demand(job);
    Map<String, Quantity> reported =
        quota.getStatus() == null || quota.getStatus().getUsed() == null ? Map.of() : quota.getStatus().getUsed();
    for (var hard : quota.getSpec().getHard().entrySet()) {
      BigDecimal need = demand.get(hard.getKey());
      if (need == null) {
        continue;
      }
      Quantity usedQ = reported.get(hard.getKey());
      BigDecimal used = usedQ != null ? usedQ.getNumber() : usedBy(hard.getKey(), managedJobs);
      BigDecimal limit = hard.getValue().getNumber();
      if (used.add(need).compareTo(limit) > 0) {
        return Optional.of("ResourceQuota " + quota.getMetadata().getName() + ": " + hard.getKey()
            + " used " + used.stripTrailingZeros().toPlainString() + " + "
            + need.stripTrailingZeros().toPlainString() + " > hard "
            + limit.stripTrailingZeros().toPlainString());
      }
    }
    return Optional.empty();
  }

  private static void add(Map<String, BigDecimal> demand, String prefix, Map<String, Quantity> values) {
    if (values != null) {
      values.forEach((k, v) -> demand.merge(prefix + k, v.getNumber(), BigDecimal::add));
    }
  }
}
