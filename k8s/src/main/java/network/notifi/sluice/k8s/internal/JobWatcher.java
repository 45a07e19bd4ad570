package network.notifi.sluice.k8s.internal;

import com.google.gson.reflect.TypeToken;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.util.Watch;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.k8s.K8sConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fast path: one watch per Kubernetes namespace on managed Jobs, feeding the {@link
 * Reconciler}. Best effort: a watch that fails is retried with a growing pause (at most the
 * reconcile interval) and never trips the API breaker; the periodic list stays the source of truth.
 */
public final class JobWatcher implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(JobWatcher.class);

  private final ApiClient client;
  private final BatchV1Api batch;
  private final K8sConfig config;
  private final Reconciler reconciler;
  private final Set<String> watched = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public JobWatcher(ApiClient client, BatchV1Api batch, K8sConfig config, Reconciler reconciler) {
    this.client = client;
    this.batch = batch;
    this.config = config;
    this.reconciler = reconciler;
  }

  /** Starts watching {@code kubernetesNamespace} unless already watched. */
  public void watch(String kubernetesNamespace) {
    if (closed || !watched.add(kubernetesNamespace)) {
      return;
    }
    DaemonThreads.named("sluice-k8s-watch-" + kubernetesNamespace)
        .newThread(() -> loop(kubernetesNamespace))
        .start();
  }

  private void loop(String namespace) {
    int failures = 0;
    // The server ends each watch before the client's read timeout would.
    int readTimeoutSeconds = client.getReadTimeout() / 1000;
    int windowSeconds = readTimeoutSeconds <= 0 ? 300 : Math.max(1, readTimeoutSeconds - 1);
    while (!closed) {
      try (Watch<V1Job> watch = Watch.createWatch(client,
          batch.listNamespacedJob(namespace).labelSelector(Labels.SELECTOR).watch(true)
              .timeoutSeconds(windowSeconds).buildCall(null),
          new TypeToken<Watch.Response<V1Job>>() {}.getType())) {
        for (Watch.Response<V1Job> event : watch) {
          failures = 0;
          if (event.object == null) {
            continue;
          }
          if ("DELETED".equals(event.type)) {
            reconciler.onDeleted(event.object);
          } else if ("ADDED".equals(event.type) || "MODIFIED".equals(event.type)) {
            reconciler.onJob(event.object);
          }
        }
      } catch (Exception e) {
        failures++;
        if (failures == 1 || failures % 100 == 0) {
          log.info("watch on Jobs in {} failed ({} in a row), relying on the periodic list: {}",
              namespace, failures, e.toString());
        }
        pause(failures);
      }
    }
  }

  private void pause(int failures) {
    long base = config.resilience().retryBaseDelay().toMillis();
    long millis = Math.min(config.reconcileInterval().toMillis(), base << Math.min(failures, 16));
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closed = true;
    }
  }

  @Override
  public void close() {
    closed = true;
  }
}
