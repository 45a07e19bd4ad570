package network.notifi.sluice.redis;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.github.bucket4j.TokensInheritanceStrategy;
import io.github.bucket4j.distributed.AsyncBucketProxy;
import io.github.bucket4j.distributed.proxy.AsyncProxyManager;
import io.github.bucket4j.distributed.proxy.RemoteAsyncBucketBuilder;
import io.github.bucket4j.distributed.proxy.optimization.Optimizations;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.Bucket4jSupport;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.redis.RedisBucketStore.HotKeyOptimization;
import network.notifi.sluice.redis.internal.KeySchema;

/**
 * Picks the Bucket4j proxy a bucket operation goes through: which optimization, and which limit
 * version replaces an older one.
 *
 * <p>An optimization's state lives in its proxy, so optimized buckets keep one proxy per process:
 * the global and endpoint buckets in a map (few keys), third-party buckets, always batched, in a
 * bounded cache (10,000, idle 5 s), so that one third party's flood costs at most one CAS in flight
 * per replica. A proxy of a limit in force carries its configuration version; changing the limits
 * drops the proxies of older versions. Thread-safe.
 */
final class BucketProxies {

  /** {@code version} 0: a plain proxy; else one that replaces a bucket's older limit. */
  private record ProxyKey(BucketKey key, Limit limit, long version) {}

  /** The limits in force and their configuration version, as last announced by limitsChanged. */
  private record InForce(long version, Set<Limit> limits) {}

  private final AsyncProxyManager<String> proxies;
  private final KeySchema keys;
  private final HotKeyOptimization hotKeys;
  private final ConcurrentMap<ProxyKey, AsyncBucketProxy> hotProxies = new ConcurrentHashMap<>();
  private final Cache<ProxyKey, AsyncBucketProxy> thirdPartyProxies =
      Caffeine.newBuilder()
          .maximumSize(10_000)
          .expireAfterAccess(Duration.ofSeconds(5))
          // Maintenance on the calling thread: the default executor wakes a pool thread on every write.
          .executor(Runnable::run)
          .build();
  private volatile InForce inForce = new InForce(0, Set.of());

  BucketProxies(AsyncProxyManager<String> proxies, KeySchema keys, HotKeyOptimization hotKeys) {
    this.proxies = proxies;
    this.keys = keys;
    this.hotKeys = hotKeys;
  }

  /** See {@link RedisBucketStore#limitsChanged}. */
  void limitsChanged(long version, Set<Limit> limits) {
    this.inForce = new InForce(version, Set.copyOf(limits));
    hotProxies.keySet().removeIf(k -> k.version() != version);
  }

  /** The proxy of {@code key}'s bucket under {@code limit}. */
  AsyncBucketProxy proxy(BucketKey key, Limit limit) {
    InForce current = inForce;
    var proxyKey = new ProxyKey(key, limit, current.limits().contains(limit) ? current.version() : 0);
    if (key.level() == Level.THIRD_PARTY) {
      return thirdPartyProxies.get(proxyKey, k -> build(k, true));
    }
    if (hotKeys == HotKeyOptimization.NONE) {
      return build(proxyKey, false);
    }
    return hotProxies.computeIfAbsent(proxyKey, k -> build(k, true));
  }

  private AsyncBucketProxy build(ProxyKey key, boolean batched) {
    RemoteAsyncBucketBuilder<String> builder = proxies.builder();
    if (key.version() > 0) {
      builder = builder.withImplicitConfigurationReplacement(key.version(), TokensInheritanceStrategy.AS_IS);
    }
    if (batched) {
      builder = builder.withOptimization(Optimizations.batching());
    }
    return builder.build(keys.bucketKey(key.key()), Bucket4jSupport.configurationFor(key.limit()));
  }
}
