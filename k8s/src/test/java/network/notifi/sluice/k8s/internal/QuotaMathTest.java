package network.notifi.sluice.k8s.internal;

import static org.assertj.core.api.Assertions.assertThat;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobCondition;
import io.kubernetes.client.openapi.models.V1JobStatus;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import io.kubernetes.client.openapi.models.V1ResourceQuotaSpec;
import io.kubernetes.client.openapi.models.V1ResourceQuotaStatus;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.k8s.JobSpecFactory;
import network.notifi.sluice.k8s.K8sConfig;
import org.junit.jupiter.api.Test;

class QuotaMathTest {

  private final JobSpecFactory factory = JobSpecFactory.of(K8sConfig.defaults());

  private V1Job job(String id) {
    return factory.jobFor(Build.queued(id, "p", "ns", Optional.empty(), Instant.EPOCH));
  }

  private V1Job finished(String id) {
    return job(id).status(new V1JobStatus().conditions(List.of(new V1JobCondition().type("Complete").status("True"))));
  }

  private static V1ResourceQuota quota(Map<String, String> hard, Map<String, String> used) {
    var q = new V1ResourceQuota().metadata(new V1ObjectMeta().name("q"))
        .spec(new V1ResourceQuotaSpec().hard(quantities(hard)));
    return used == null ? q : q.status(new V1ResourceQuotaStatus().used(quantities(used)));
  }

  private static Map<String, Quantity> quantities(Map<String, String> values) {
    var out = new HashMap<String, Quantity>();
    values.forEach((k, v) -> out.put(k, new Quantity(v)));
    return out;
  }

  @Test
  void demandCoversCountLimitsAndRequests() {
    Map<String, BigDecimal> demand = QuotaMath.demand(job("a"));
    assertThat(demand.get("count/jobs.batch")).isEqualByComparingTo("1");
    assertThat(demand.get("limits.memory")).isEqualByComparingTo(new Quantity("1Gi").getNumber());
    assertThat(demand.get("requests.cpu")).isEqualByComparingTo("0.25");
    assertThat(demand.get("cpu")).isEqualByComparingTo("0.25");
    assertThat(demand.get("requests.ephemeral-storage")).isEqualByComparingTo(new Quantity("1Gi").getNumber());
  }

  @Test
  void withoutStatusUsedFinishedJobsCountAsObjectsButNotAsCompute() {
    List<V1Job> existing = List.of(job("a"), finished("b"));
    assertThat(QuotaMath.usedBy("count/jobs.batch", existing)).isEqualByComparingTo("2");
    assertThat(QuotaMath.usedBy("limits.memory", existing)).isEqualByComparingTo(new Quantity("1Gi").getNumber());

    assertThat(QuotaMath.doesNotFit(quota(Map.of("limits.memory", "2Gi"), null), job("c"), existing)).isEmpty();
    assertThat(QuotaMath.doesNotFit(quota(Map.of("count/jobs.batch", "2"), null), job("c"), existing))
        .hasValue("ResourceQuota q: count/jobs.batch used 2 + 1 > hard 2");
  }

  @Test
  void statusUsedWinsOverOwnCount() {
    var q = quota(Map.of("limits.cpu", "4"), Map.of("limits.cpu", "3500m"));
    assertThat(QuotaMath.doesNotFit(q, job("c"), List.of())).hasValue("ResourceQuota q: limits.cpu used 3.5 + 1 > hard 4");
    assertThat(QuotaMath.doesNotFit(quota(Map.of("limits.cpu", "4"), Map.of("limits.cpu", "3")), job("c"), List.of()))
        .isEmpty();
  }

  @Test
  void resourcesTheQuotaDoesNotLimitAreIgnored() {
    assertThat(QuotaMath.doesNotFit(quota(Map.of("count/pods", "0"), null), job("c"), List.of())).isEmpty();
  }
}
