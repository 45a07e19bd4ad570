package network.notifi.sluice.k8s.testing;

import io.fabric8.kubernetes.client.server.mock.KubernetesCrudDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.kubernetes.client.custom.V1Patch;
import io.kubernetes.client.openapi.ApiClient;
import io.kubernetes.client.openapi.ApiException;
import io.kubernetes.client.openapi.apis.BatchV1Api;
import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.util.ClientBuilder;
import io.kubernetes.client.util.PatchUtils;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;

/**
 * The Kubernetes API stand-in for tests: fabric8's mock server in CRUD mode on a free loopback
 * port, with a {@link FaultProxy} in front. Clients from {@link #client()} go through the proxy;
 * {@link #directClient()} bypasses it (for the test's own "Job controller" moves). Watches are not
 * served: the mock serves them over WebSocket only, and client-java watches over an HTTP stream.
 * Move Jobs to their end with {@link #complete} and {@link #fail}.
 */
public final class TestApiServer implements AutoCloseable {

  private final KubernetesMockServer mock;
  private final FaultProxy proxy;
  private final ApiClient direct;

  private TestApiServer() throws IOException {
    mock = new KubernetesMockServer(new Context(), new MockWebServer(), new HashMap<>(),
        new KubernetesCrudDispatcher(), false);
    mock.start(InetAddress.getByName("127.0.0.1"), 0);
    proxy = new FaultProxy("http://127.0.0.1:" + mock.getPort());
    direct = client("http://127.0.0.1:" + mock.getPort(), Duration.ofSeconds(10));
    warmUp();
  }

  /** The first requests to a fresh mock take seconds (class loading); pay that here, not in a test's timeouts. */
  private void warmUp() {
    try {
      for (ApiClient c : List.of(direct, client())) {
        new BatchV1Api(c).listNamespacedJob("default").execute();
      }
    } catch (ApiException e) {
      throw new IllegalStateException("test API server did not answer: " + e.getCode(), e);
    }
  }

  public static TestApiServer start() {
    try {
      return new TestApiServer();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The URL to configure as {@code k8s.api_url}: the fault proxy. */
  public String url() {
    return proxy.url();
  }

  public FaultProxy proxy() {
    return proxy;
  }

  /** A client through the fault proxy. */
  public ApiClient client() {
    return client(proxy.url(), Duration.ofSeconds(10));
  }

  /** A client straight to the mock, never faulted. */
  public ApiClient directClient() {
    return direct;
  }

  public BatchV1Api batch() {
    return new BatchV1Api(direct);
  }

  public List<V1Job> jobs(String namespace) {
    try {
      var items = batch().listNamespacedJob(namespace).execute().getItems();
      return items == null ? List.of() : items;
    } catch (ApiException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Marks the Job complete, as the Job controller would (JSON merge patch of its status). */
  public void complete(String namespace, String name) {
    patchStatus(namespace, name, "{\"status\":{\"succeeded\":1,\"completionTime\":\"" + Instant.now()
        + "\",\"conditions\":[{\"type\":\"Complete\",\"status\":\"True\"}]}}");
  }

  /** Marks the Job failed with {@code reason}, as the Job controller would. */
  public void fail(String namespace, String name, String reason) {
    patchStatus(namespace, name, "{\"status\":{\"failed\":1,\"conditions\":[{\"type\":\"Failed\","
        + "\"status\":\"True\",\"reason\":\"" + reason + "\",\"message\":\"injected by the test\"}]}}");
  }

  public void delete(String namespace, String name) {
    try {
      batch().deleteNamespacedJob(name, namespace).execute();
    } catch (ApiException e) {
      throw new IllegalStateException(e);
    }
  }

  private void patchStatus(String namespace, String name, String json) {
    try {
      PatchUtils.patch(V1Job.class,
          () -> batch().patchNamespacedJobStatus(name, namespace, new V1Patch(json)).buildCall(null),
          V1Patch.PATCH_FORMAT_JSON_MERGE_PATCH, direct);
    } catch (ApiException e) {
      throw new IllegalStateException("status patch of " + namespace + "/" + name + ": " + e.getCode()
          + " " + e.getResponseBody(), e);
    }
  }

  private static ApiClient client(String url, Duration timeout) {
    try {
      ApiClient client = ClientBuilder.standard(false).setBasePath(url).setReadTimeout(timeout).build();
      client.setConnectTimeout((int) timeout.toMillis());
      return client;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public void close() {
    proxy.close();
    mock.shutdown();
  }
}
