package network.notifi.sluice.redis.internal;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.spi.BucketKey;

/**
 * The Redis key of every bucket: {@code <prefix>rl:{global}}, {@code <prefix>rl:{ep:<name>}}, {@code
 * <prefix>rl:{tp:<id>}} and {@code <prefix>rl:{anon}}. The whole braced part is the hash tag, so each
 * bucket chooses its own cluster slot.
 *
 * <p>Invariant: names and ids are percent-encoded (UTF-8 bytes outside {@code [A-Za-z0-9._-]} become
 * {@code %XX}), so the encoded part never contains a brace, a glob character, a space, a colon or
 * non-ASCII; encoding is injective, so two ids never share a key and no id can pick another bucket's
 * slot. Thread-safe and immutable.
 */
public final class KeySchema {

  private final String prefix;

  public KeySchema(String prefix) {
    this.prefix = prefix;
  }

  public String prefix() {
    return prefix;
  }

  /** The Redis key of {@code key}'s bucket. */
  public String bucketKey(BucketKey key) {
    if (key.level() == Level.GLOBAL) {
      return prefix + "rl:{global}";
    }
    if (key.level() == Level.ENDPOINT) {
      return prefix + "rl:{ep:" + encode(key.id()) + "}";
    }
    if (key.isAnonymous()) {
      return prefix + "rl:{anon}";
    }
    return prefix + "rl:{tp:" + encode(key.id()) + "}";
  }

  /**
   * The level of a bucket key made by {@link #bucketKey}, read from its hash tag without decoding the
   * id (the anonymous bucket counts as third party); empty for any other key.
   */
  public Optional<Level> levelOf(String redisKey) {
    int tag = prefix.length() + 4; // after "<prefix>rl:{"
    if (!redisKey.startsWith("rl:{", prefix.length()) || redisKey.length() <= tag) {
      return Optional.empty();
    }
    if (redisKey.startsWith("tp:", tag) || redisKey.startsWith("anon}", tag)) {
      return Optional.of(Level.THIRD_PARTY);
    }
    if (redisKey.startsWith("ep:", tag)) {
      return Optional.of(Level.ENDPOINT);
    }
    if (redisKey.startsWith("global}", tag)) {
      return Optional.of(Level.GLOBAL);
    }
    return Optional.empty();
  }

  /** The pattern that matches every bucket key, for SCAN. */
  public String bucketPattern() {
    return prefix + "rl:*";
  }

  /** The hash of the rate limits in force and their version, shared by every replica. */
  public String configKey() {
    return prefix + "config";
  }

  /** The sorted set where replicas announce themselves. */
  public String replicasKey() {
    return prefix + "replicas";
  }

  /** The bucket a Redis key names, or empty if it is not a bucket key of this prefix. */
  public Optional<BucketKey> parse(String redisKey) {
    String head = prefix + "rl:{";
    if (!redisKey.startsWith(head) || !redisKey.endsWith("}")) {
      return Optional.empty();
    }
    String tag = redisKey.substring(head.length(), redisKey.length() - 1);
    try {
      if (tag.equals("global")) {
        return Optional.of(BucketKey.GLOBAL);
      }
      if (tag.equals("anon")) {
        return Optional.of(BucketKey.ANONYMOUS);
      }
      if (tag.startsWith("ep:")) {
        return Optional.of(BucketKey.endpoint(decode(tag.substring(3))));
      }
      if (tag.startsWith("tp:")) {
        return Optional.of(BucketKey.thirdParty(decode(tag.substring(3))));
      }
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
    return Optional.empty();
  }

  /** Percent-encodes the UTF-8 bytes of {@code id} outside {@code [A-Za-z0-9._-]}. */
  public static String encode(String id) {
    byte[] bytes = id.getBytes(StandardCharsets.UTF_8);
    var out = new StringBuilder(bytes.length + 8);
    for (byte b : bytes) {
      int c = b & 0xff;
      if (isUnreserved(c)) {
        out.append((char) c);
      } else {
        out.append('%').append(HEX[c >> 4]).append(HEX[c & 0xf]);
      }
    }
    return out.toString();
  }

  /** The inverse of {@link #encode}; rejects anything {@link #encode} cannot have produced. */
  public static String decode(String encoded) {
    var out = new ByteArrayOutputStream(encoded.length());
    for (int i = 0; i < encoded.length(); i++) {
      char c = encoded.charAt(i);
      if (c == '%' && i + 2 < encoded.length()) {
        out.write(Integer.parseInt(encoded.substring(i + 1, i + 3), 16));
        i += 2;
      } else if (c < 128 && isUnreserved(c)) {
        out.write(c);
      } else {
        throw new IllegalArgumentException("not an encoded id: " + encoded);
      }
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  private static boolean isUnreserved(int c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')
        || c == '.' || c == '_' || c == '-';
  }

  private static final char[] HEX = "0123456789ABCDEF".toCharArray();
}
