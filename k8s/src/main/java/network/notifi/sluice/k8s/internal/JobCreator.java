package network.notifi.sluice.k8s.internal;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import network.notifi.sluice.common.Futures;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import network.notifi.sluice.k8s.DeferralReasons;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates a build's Job so that a build never gets two, and says which launch failures mean "try
 * again later" rather than "failed". Thread-safe.
 */
public final class JobCreator {

  private static final Logger log = LoggerFactory.getLogger(JobCreator.class);

  private final BatchV1Api batch;
  private final ResilientApi api;
  private final Reconciler reconciler;

  public JobCreator(BatchV1Api batch, ResilientApi api, Reconciler reconciler) {
    this.batch = batch;
    this.api = api;
    this.reconciler = reconciler;
  }

  /**
   * Creates the build's Job and has the reconciler follow it. A create that failed without a definite
   * answer (timed out, 5xx, connection lost: the Job may exist all the same) or met {@code 409} is
   * resolved by reading the Job under its deterministic name: if it exists for this build, the launch
   * succeeded, so a client's retry never makes a second Job; if it does not, the create's own error
   * stands.
   */
  public CompletableFuture<Void> create(String namespace, V1Job job, Build build) {
    String name = job.getMetadata().getName();
    return api.call(() -> batch.createNamespacedJob(namespace, job).execute())
        .thenApply(created -> {
          reconciler.track(build.id(), build.namespace(), namespace);
          return (Void) null;
        })
        .exceptionallyCompose(error -> {
          int status = ResilientApi.status(error);
          if (status != 409 && !ResilientApi.isTransient(Futures.unwrap(error))) {
            return CompletableFuture.failedFuture(error);
          }
          return api.call(() -> batch.readNamespacedJob(name, namespace).execute())
              .handle((existing, readError) -> {
                if (readError != null) {
                  if (status != 409) {
                    log.warn("create of Job {}/{} for build {} failed ({}) and reading it back failed too ({})",
                        namespace, name, build.id(), Futures.unwrap(error).toString(),
                        Futures.unwrap(readError).toString());
                  }
                  throw new CompletionException(status == 409 ? Futures.unwrap(readError) : Futures.unwrap(error));
                }
                Map<String, String> annotations = existing.getMetadata().getAnnotations();
                if (annotations != null && build.id().equals(annotations.get(Labels.BUILD_ID))) {
                  if (status != 409) {
                    log.info("create of Job {}/{} for build {} failed ({}) but the Job exists: launched", namespace,
                        name, build.id(), Futures.unwrap(error).toString());
                  }
                  reconciler.track(build.id(), build.namespace(), namespace);
                  return null;
                }
                throw new IllegalStateException(
                    "Job " + namespace + "/" + name + " exists and belongs to another build");
              });
        });
  }

  /**
   * The error a failed launch of {@code build} ends with: a {@link LaunchDeferredException} when the
   * build should wait (an open circuit breaker, a {@code 403 exceeded quota}, an API still
   * unreachable after the retries), else {@code error} itself.
   */
  public static Throwable launchError(Throwable error, Build build) {
    if (error instanceof LaunchDeferredException) {
      return error;
    }
    if (error instanceof CallNotPermittedException) {
      return new LaunchDeferredException(DeferralReasons.API_UNAVAILABLE,
          "Kubernetes API circuit breaker is open; build " + build.id() + " not started", error);
    }
    if (error instanceof ApiException api && api.getCode() == 403
        && String.valueOf(api.getResponseBody()).toLowerCase(Locale.ROOT).contains("exceeded quota")) {
      return new LaunchDeferredException(DeferralReasons.QUOTA,
          "the API server refused the Job: exceeded quota", error);
    }
    if (ResilientApi.isTransient(error)) {
      return new LaunchDeferredException(DeferralReasons.API_UNAVAILABLE,
          "Kubernetes API unavailable after retries: " + error, error);
    }
    return error;
  }
}
