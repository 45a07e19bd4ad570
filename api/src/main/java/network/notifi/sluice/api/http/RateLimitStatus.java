package network.notifi.sluice.api.http;

import io.javalin.http.Context;
import io.javalin.http.Handler;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.limiter.spi.BucketSnapshot;
import org.jetbrains.annotations.NotNull;

/**
 * {@code GET /ratelimits}: the limiter's state for people and scripts: every level with its rate,
 * burst and tokens available now, the third parties refused most in the last five minutes, and
 * whatever else the wiring adds (job slots, degraded mode) through {@link #section}.
 */
final class RateLimitStatus implements Handler {

  private static final int TOP = 10;

  private final MultiLevelLimiter limiter;
  private final TopRefused topRefused;
  private final Responses responses;
  private final Map<String, Supplier<CompletableFuture<?>>> sections = new LinkedHashMap<>();

  RateLimitStatus(MultiLevelLimiter limiter, TopRefused topRefused, Responses responses) {
    this.limiter = limiter;
    this.topRefused = topRefused;
    this.responses = responses;
  }

  /** Adds a top-level member computed on each request. */
  void section(String name, Supplier<CompletableFuture<?>> value) {
    sections.put(name, value);
  }

  @Override
  public void handle(@NotNull Context ctx) {
    ctx.future(() -> status().thenAccept(body ->
        ctx.contentType("application/json").result(responses.bytes(body))));
  }

  CompletableFuture<Map<String, Object>> status() {
    LimiterConfig config = limiter.config();
    var global = level(BucketKey.GLOBAL, config.global());
    List<CompletableFuture<Map<String, Object>>> endpoints = new ArrayList<>();
    config.endpoints().forEach((name, limit) -> endpoints.add(level(BucketKey.endpoint(name), limit)));
    List<CompletableFuture<Map<String, Object>>> refused = new ArrayList<>();
    for (var entry : topRefused.top(TOP)) {
      refused.add(level(BucketKey.thirdParty(entry.getKey()), config.thirdParty())
          .thenApply(state -> {
            Map<String, Object> row = new LinkedHashMap<>(state);
            row.put("refusals_5m", entry.getValue());
            return row;
          }));
    }
    Map<String, CompletableFuture<?>> extra = new LinkedHashMap<>();
    sections.forEach((name, supplier) -> extra.put(name, supplier.get()));

    List<CompletableFuture<?>> all = new ArrayList<>(endpoints);
    all.add(global);
    all.addAll(refused);
    all.addAll(extra.values());
    return CompletableFuture.allOf(all.toArray(CompletableFuture[]::new)).thenApply(v -> {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("global", global.join());
      Map<String, Object> byName = new LinkedHashMap<>();
      var names = new ArrayList<>(config.endpoints().keySet());
      for (int i = 0; i < names.size(); i++) {
        byName.put(names.get(i), endpoints.get(i).join());
      }
      body.put("endpoints", byName);
      Map<String, Object> thirdParty = new LinkedHashMap<>(describe(config.thirdParty()));
      thirdParty.put("anonymous", config.anonymous().name().toLowerCase(Locale.ROOT));
      thirdParty.put("most_refused_5m", refused.stream().map(CompletableFuture::join).toList());
      body.put("third_party", thirdParty);
      extra.forEach((name, future) -> body.put(name, future.join()));
      return body;
    });
  }

  private CompletableFuture<Map<String, Object>> level(BucketKey key, Limit limit) {
    return limiter.store().snapshot(key, limit).thenApply(snapshot -> {
      Map<String, Object> state = new LinkedHashMap<>();
      if (key.level() == Level.THIRD_PARTY) {
        state.put("id", key.id());
      }
      state.putAll(describe(limit));
      state.put("available", snapshot.map(BucketSnapshot::availableTokens).orElse(limit.burst()));
      snapshot.flatMap(BucketSnapshot::lease).ifPresent(lease -> state.put("lease", lease(lease, limit)));
      return state;
    });
  }

  /**
   * This replica's token lease of a bucket ({@code redis.hot_key_leases}), with the most the bucket
   * may admit over an exact one in any window: what the rate refills in a lease's maximum age, plus
   * one lease per replica.
   */
  private static Map<String, Object> lease(BucketSnapshot.Lease lease, Limit limit) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("tokens", lease.tokens());
    state.put("max_age_ms", lease.maxAge().toMillis());
    state.put("held", lease.held());
    Map<String, Object> bound = new LinkedHashMap<>();
    bound.put("tokens", (long) Math.ceil(limit.ratePerSecond() * lease.maxAge().toNanos() / 1e9));
    bound.put("plus_per_replica", lease.tokens());
    state.put("overshoot_at_most", bound);
    return state;
  }

  private static Map<String, Object> describe(Limit limit) {
    Map<String, Object> state = new LinkedHashMap<>();
    state.put("rate_per_second", limit.ratePerSecond());
    state.put("burst", limit.burst());
    state.put("shadow", limit.shadow());
    return state;
  }
}
