package network.notifi.sluice.limiter.spi;

import java.util.Objects;
import network.notifi.sluice.limiter.Level;

/**
 * Names one bucket: its level and, below the global level, the endpoint name or third-party id.
 *
 * <p>The id is the raw, validated value. A backend that builds storage keys from it must encode it
 * so that no id can reach another bucket's key (see the Redis backend).
 *
 * @param level the level
 * @param id {@code "global"}, the endpoint name, the third-party id, or {@code ""} for the shared
 *     anonymous third-party bucket
 */
public record BucketKey(Level level, String id) {

  /** The one global bucket. */
  public static final BucketKey GLOBAL = new BucketKey(Level.GLOBAL, "global");

  /**
   * The bucket shared by requests that name no third party. Its id is empty, which no valid
   * third-party id is, so it cannot collide with a real third party.
   */
  public static final BucketKey ANONYMOUS = new BucketKey(Level.THIRD_PARTY, "");

  public BucketKey {
    Objects.requireNonNull(level, "level");
    Objects.requireNonNull(id, "id");
  }

  public static BucketKey endpoint(String name) {
    if (name.isEmpty()) {
      throw new IllegalArgumentException("endpoint name must not be empty");
    }
    return new BucketKey(Level.ENDPOINT, name);
  }

  public static BucketKey thirdParty(String id) {
    if (id.isEmpty()) {
      throw new IllegalArgumentException("third-party id must not be empty");
    }
    return new BucketKey(Level.THIRD_PARTY, id);
  }

  public boolean isAnonymous() {
    return level == Level.THIRD_PARTY && id.isEmpty();
  }
}
