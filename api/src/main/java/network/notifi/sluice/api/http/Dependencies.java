package network.notifi.sluice.api.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The dependencies Sluice can lose (Redis, the Kubernetes API) and whether each is degraded now. A
 * degraded dependency does not make Sluice unready: it keeps answering (local buckets, queued
 * builds), and says so in {@code GET /health/ready} and {@code GET /ratelimits}.
 */
public final class Dependencies {

  /**
   * @param degraded whether Sluice works around this dependency now
   * @param details what to show about it
   */
  private record Check(BooleanSupplier degraded, Supplier<Map<String, Object>> details) {}

  private final Map<String, Check> checks = new LinkedHashMap<>();

  public synchronized void add(String name, BooleanSupplier degraded, Supplier<Map<String, Object>> details) {
    checks.put(name, new Check(degraded, details));
  }

  public synchronized boolean anyDegraded() {
    return checks.values().stream().anyMatch(c -> c.degraded().getAsBoolean());
  }

  /** {@code {"status": "UP"|"DEGRADED", "dependencies": {name: {"degraded": ..., ...}}}}. */
  public synchronized Map<String, Object> report() {
    Map<String, Object> dependencies = new LinkedHashMap<>();
    boolean degraded = false;
    for (var entry : checks.entrySet()) {
      boolean down = entry.getValue().degraded().getAsBoolean();
      degraded |= down;
      Map<String, Object> detail = new LinkedHashMap<>();
      detail.put("degraded", down);
      detail.putAll(entry.getValue().details().get());
      dependencies.put(entry.getKey(), detail);
    }
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("status", degraded ? "DEGRADED" : "UP");
    body.put("dependencies", dependencies);
    return body;
  }
}
