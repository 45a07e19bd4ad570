package network.notifi.sluice.api.http;

import java.util.Map;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.limiter.EpochNanoClock;

/**
 * The embedded default started on free ports, with a client for each port; closing it stops it.
 *
 * @param app the service
 * @param client the public port's
 * @param admin the admin port's
 */
record RunningApp(SluiceApp app, HttpTestClient client, HttpTestClient admin) implements AutoCloseable {

  /** {@link TestConfigs#config(Map)} with {@code env}, started. */
  static RunningApp start(Map<String, String> env) {
    return of(SluiceApp.builder(TestConfigs.config(env)).build().start());
  }

  /** As {@link #start(Map)}, with the buckets on {@code clock}. */
  static RunningApp start(Map<String, String> env, EpochNanoClock clock) {
    return of(SluiceApp.builder(TestConfigs.config(env)).clock(clock).build().start());
  }

  private static RunningApp of(SluiceApp app) {
    return new RunningApp(app, new HttpTestClient(app.port()), new HttpTestClient(app.adminPort()));
  }

  @Override
  public void close() {
    app.close();
  }
}
