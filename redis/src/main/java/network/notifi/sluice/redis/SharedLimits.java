package network.notifi.sluice.redis;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.redis.internal.KeySchema;
import network.notifi.sluice.redis.internal.LuaResource;
import org.redisson.api.RScript;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;

/**
 * The rate limits in force, shared by every replica through one Redis hash, {@code <prefix>config}:
 * {@code version} (grows by one with every change), {@code document} (the limits, as the caller
 * wrote them), {@code source} ({@code file} or {@code admin}), {@code changed_at} (epoch ms) and
 * {@code file} (the configuration file's limits last published). Replicas read it periodically and
 * apply a higher version; the document's format is the caller's.
 *
 * <p>Thread-safe. No method blocks: futures complete on Redisson's threads.
 */
public final class SharedLimits {

  private static final String PUBLISH = LuaResource.read("config-publish.lua");
  private static final String ADOPT_FILE = LuaResource.read("config-adopt-file.lua");

  /**
   * One version of the limits in force.
   *
   * @param version grows by one with every change
   * @param document the limits
   * @param source {@code file} or {@code admin}
   * @param changedAtMillis when it was published, epoch ms
   */
  public record Version(long version, String document, String source, long changedAtMillis) {
    public Version {
      Objects.requireNonNull(document, "document");
      Objects.requireNonNull(source, "source");
    }
  }

  private final RedissonClient client;
  private final String key;

  private SharedLimits(RedissonClient client, String key) {
    this.client = client;
    this.key = key;
  }

  /** The shared limits under {@code keyPrefix}. */
  public static SharedLimits create(RedissonClient client, String keyPrefix) {
    return new SharedLimits(Objects.requireNonNull(client, "client"), new KeySchema(keyPrefix).configKey());
  }

  /** The version in force, or empty when none was ever published. One HGETALL. */
  public CompletableFuture<Optional<Version>> read() {
    return client.<String, String>getMap(key, StringCodec.INSTANCE).readAllMapAsync().toCompletableFuture()
        .thenApply(SharedLimits::version);
  }

  /** Publishes {@code document} as the next version, from {@code source} (e.g. {@code admin}). */
  public CompletableFuture<Version> publish(String document, String source, long nowMillis) {
    return eval(PUBLISH, document, source, Long.toString(nowMillis), "");
  }

  /**
   * A configuration file's limits, at start or on reload: published as the next version if they
   * differ from the file's last published, else the version in force is answered unchanged (a change
   * through the admin API holds until the file itself changes).
   */
  public CompletableFuture<Version> adoptFile(String fileDocument, long nowMillis) {
    return eval(ADOPT_FILE, fileDocument, Long.toString(nowMillis));
  }

  /** The Redis key, for tools and tests. */
  public String key() {
    return key;
  }

  private CompletableFuture<Version> eval(String script, String... args) {
    return client.getScript(StringCodec.INSTANCE)
        .<List<Object>>evalAsync(key, RScript.Mode.READ_WRITE, script, RScript.ReturnType.LIST, List.of(key),
            (Object[]) args)
        .toCompletableFuture()
        .thenApply(reply -> new Version(
            Long.parseLong(String.valueOf(reply.get(0))), (String) reply.get(1), (String) reply.get(2),
            Long.parseLong(String.valueOf(reply.get(3)))));
  }

  private static Optional<Version> version(Map<String, String> hash) {
    if (hash == null || !hash.containsKey("version") || !hash.containsKey("document")) {
      return Optional.empty();
    }
    return Optional.of(new Version(
        Long.parseLong(hash.get("version")), hash.get("document"), hash.getOrDefault("source", "file"),
        Long.parseLong(hash.getOrDefault("changed_at", "0"))));
  }
}
