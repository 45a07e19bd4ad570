package network.notifi.sluice.k8s.internal;

import io.kubernetes.client.custom.Quantity;
import io.kubernetes.client.openapi.apis.CoreV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1ObjectMeta;
import io.kubernetes.client.openapi.models.V1ResourceQuota;
import io.kubernetes.client.openapi.models.V1ResourceQuotaSpec;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.k8s.DeferralReasons;
import network.notifi.sluice.k8s.K8sQuota;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ResourceQuotas of a launch ({@code k8s.quota}): {@link #ensure} creates the namespace's quota
 * once, when {@code ensure} is on; {@link #check} fails with a {@link LaunchDeferredException}
 * ({@value DeferralReasons#QUOTA}) when the Job does not fit every quota of its namespace, counted
 * from the managed Jobs that exist. Thread-safe; the caller runs checks of one namespace one at a
 * time, so that this replica does not overbook a quota by racing itself.
 */
public final class Quotas {

  private static final Logger log = LoggerFactory.getLogger(Quotas.class);

  private final K8sQuota quota;
  private final CoreV1Api core;
  private final ResilientApi api;
  private final Reconciler reconciler;
  private final Set<String> ensured = ConcurrentHashMap.newKeySet();

  public Quotas(K8sQuota quota, CoreV1Api core, ResilientApi api, Reconciler reconciler) {
    this.quota = quota;
    this.core = core;
    this.api = api;
    this.reconciler = reconciler;
  }

  /** Creates the configured quota in the Kubernetes namespace unless it exists or was ensured before. */
  public CompletableFuture<Void> ensure(String namespace) {
    if (!quota.ensure() || ensured.contains(namespace)) {
      return CompletableFuture.completedFuture(null);
    }
    V1ResourceQuota wanted = new V1ResourceQuota()
        .apiVersion("v1")
        .kind("ResourceQuota")
        .metadata(new V1ObjectMeta()
            .name(quota.name())
            .namespace(namespace)
            .labels(Map.of(Labels.MANAGED_BY, Labels.MANAGER)))
        .spec(new V1ResourceQuotaSpec().hard(Map.of(
            QuotaMath.COUNT_JOBS, new Quantity(Integer.toString(quota.jobs())),
            "limits.memory", new Quantity(quota.limitsMemory()),
            "limits.cpu", new Quantity(quota.limitsCpu()),
            "requests.ephemeral-storage", new Quantity(quota.requestsEphemeralStorage()))));
    return api.call(() -> core.readNamespacedResourceQuota(quota.name(), namespace).execute())
        .handle((found, error) -> error)
        .thenCompose(error -> {
          if (error == null) {
            return CompletableFuture.completedFuture(null);
          }
          if (ResilientApi.status(error) != 404) {
            return CompletableFuture.failedFuture(error);
          }
          return api.call(() -> core.createNamespacedResourceQuota(namespace, wanted).execute())
              .handle((created, e) -> {
                if (e != null && ResilientApi.status(e) != 409) {
                  throw new CompletionException(Futures.unwrap(e));
                }
                log.info("ResourceQuota {} ensured in {}", quota.name(), namespace);
                return null;
              });
        })
        .thenRun(() -> ensured.add(namespace));
  }

  /** Completes when {@code job} fits every quota of the namespace, or {@code k8s.quota.check} is off. */
  public CompletableFuture<Void> check(String namespace, V1Job job) {
    if (!quota.check()) {
      return CompletableFuture.completedFuture(null);
    }
    return api.call(() -> core.listNamespacedResourceQuota(namespace).execute())
        .thenCompose(quotas -> {
          if (quotas.getItems() == null || quotas.getItems().isEmpty()) {
            return CompletableFuture.completedFuture(null);
          }
          return reconciler.listManaged(namespace).thenApply(jobs -> {
            for (V1ResourceQuota each : quotas.getItems()) {
              Optional<String> why = QuotaMath.doesNotFit(each, job, jobs);
              if (why.isPresent()) {
                throw new LaunchDeferredException(DeferralReasons.QUOTA, why.get(), null);
              }
            }
            return null;
          });
        });
  }
}
