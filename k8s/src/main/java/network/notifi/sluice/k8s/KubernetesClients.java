package network.notifi.sluice.k8s;

import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.util.ClientBuilder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;

/** Builds the official client's {@link ApiClient} the way {@code k8s.api_url} asks. */
public final class KubernetesClients {

  private KubernetesClients() {}

  /**
   * {@code k8s.api_url} when set (plain HTTP or HTTPS without credentials: tests and {@code kubectl
   * proxy}); else the in-cluster service account when running in a pod; else {@code KUBECONFIG} or
   * {@code ~/.kube/config}. The read timeout is the call timeout, so a hung call frees its thread.
   *
   * @throws UncheckedIOException when no configuration can be read
   */
  public static ApiClient fromConfig(K8sConfig config) {
    return build(config, config.resilience().callTimeout());
  }

  /**
   * Like {@link #fromConfig} but without a read timeout, for long-lived watches (each watch asks the
   * server to end it after five minutes).
   */
  public static ApiClient forWatches(K8sConfig config) {
    return build(config, Duration.ZERO);
  }

  private static ApiClient build(K8sConfig config, Duration readTimeout) {
    Duration timeout = config.resilience().callTimeout();
    try {
      ClientBuilder builder =
          config.apiUrl().isPresent()
              ? ClientBuilder.standard(false).setBasePath(config.apiUrl().get())
              : ClientBuilder.standard();
      ApiClient client = builder.setReadTimeout(readTimeout).build();
      client.setConnectTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      client.setWriteTimeout((int) Math.min(Integer.MAX_VALUE, timeout.toMillis()));
      return client;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the Kubernetes client configuration", e);
    }
  }
}
