package network.notifi.sluice.redis;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.redis.internal.BucketStateCodec;
import network.notifi.sluice.redis.internal.KeySchema;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * Lists the token buckets in Redis with their state, decoded through Bucket4j (the stored value is
 * binary and not readable with {@code redis-cli}). For the {@code sluice buckets [--pattern P]}
 * command.
 *
 * <p>Scans with SCAN (on every master in cluster mode), then reads each key with a GET and a PTTL;
 * reading changes nothing. Blocks; meant for operators and tools, not the request path. Thread-safe.
 */
public final class BucketInspector {

  /**
   * One bucket as it stands.
   *
   * @param redisKey the key in Redis
   * @param bucket the bucket it names (level and decoded id), empty if the key is not a bucket key
   * @param availableTokens tokens available now, after refill
   * @param capacity the bucket's capacity
   * @param ttl time until the key expires; negative if it has no expiry
   */
  public record BucketInfo(
      String redisKey, Optional<BucketKey> bucket, long availableTokens, long capacity, Duration ttl) {}

  private final RedissonClient client;
  private final KeySchema keys;
  private final EpochNanoClock clock;

  private BucketInspector(RedissonClient client, String keyPrefix, EpochNanoClock clock) {
    this.client = client;
    this.keys = new KeySchema(keyPrefix);
    this.clock = clock;
  }

  /** An inspector of the buckets under {@code keyPrefix}, refilled to {@code clock}'s now. */
  public static BucketInspector create(RedissonClient client, String keyPrefix, EpochNanoClock clock) {
    return new BucketInspector(client, keyPrefix, clock);
  }

  /** Every bucket, sorted by key. */
  public List<BucketInfo> list() {
    return list(keys.bucketPattern());
  }

  /**
   * The buckets whose keys match the glob {@code pattern} (e.g. {@code sluice:rl:{tp:*}), sorted
   * by key. Keys that vanish while listing are left out; keys that are not Bucket4j state are listed
   * with 0 tokens and capacity.
   */
  public List<BucketInfo> list(String pattern) {
    List<BucketInfo> result = new ArrayList<>();
    for (String key : client.getKeys().getKeysByPattern(pattern, 1_000)) {
      byte[] bytes = client.<byte[]>getBucket(key, ByteArrayCodec.INSTANCE).get();
      if (bytes == null) {
        continue;
      }
      long pttl = client.getKeys().remainTimeToLive(key);
      Duration ttl = pttl >= 0 ? Duration.ofMillis(pttl) : Duration.ofMillis(-1);
      long available = 0;
      long capacity = 0;
      try {
        var state = BucketStateCodec.decode(bytes, clock.epochNanos());
        available = state.availableTokens();
        capacity = state.capacity();
      } catch (RuntimeException notABucket) {
        // Listed with zeros: a key under the prefix that Bucket4j did not write.
      }
      result.add(new BucketInfo(key, keys.parse(key), available, capacity, ttl));
    }
    result.sort(Comparator.comparing(BucketInfo::redisKey));
    return result;
  }

  /** A plain-text table: key, level, id, tokens, capacity, TTL; one line per bucket. */
  public static String formatTable(List<BucketInfo> buckets) {
    String[] header = {"KEY", "LEVEL", "ID", "TOKENS", "CAPACITY", "TTL"};
    List<String[]> rows = new ArrayList<>();
    rows.add(header);
    for (BucketInfo b : buckets) {
      rows.add(new String[] {
          b.redisKey(),
          b.bucket().map(k -> k.level().code()).orElse("-"),
          b.bucket().map(k -> k.isAnonymous() ? "(anonymous)" : k.id()).orElse("-"),
          Long.toString(b.availableTokens()),
          Long.toString(b.capacity()),
          b.ttl().isNegative() ? "none" : formatTtl(b.ttl())});
    }
    int[] widths = new int[header.length];
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        widths[i] = Math.max(widths[i], row[i].length());
      }
    }
    var out = new StringBuilder();
    for (String[] row : rows) {
      for (int i = 0; i < row.length; i++) {
        boolean numeric = i >= 3;
        String cell = row[i];
        String pad = " ".repeat(widths[i] - cell.length());
        out.append(numeric ? pad + cell : cell + pad);
        out.append(i == row.length - 1 ? "" : "  ");
      }
      out.append('\n');
    }
    out.append(buckets.size()).append(buckets.size() == 1 ? " bucket\n" : " buckets\n");
    return out.toString();
  }

  private static String formatTtl(Duration ttl) {
    return String.format(Locale.ROOT, "%.1fs", ttl.toMillis() / 1000.0);
  }
}
