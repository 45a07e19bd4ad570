package network.notifi.sluice.redis.internal;

import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.serialization.InternalSerializationHelper;

/** Reads a bucket's state as Bucket4j stores it in Redis (107 bytes of binary, not readable by eye). */
public final class BucketStateCodec {

  /**
   * A decoded bucket.
   *
   * @param availableTokens tokens available at the time given to {@link #decode}
   * @param capacity the bucket's capacity
   */
  public record State(long availableTokens, long capacity) {}

  private BucketStateCodec() {}

  /** Decodes {@code bytes} and refills the bucket up to {@code nowNanos} (epoch nanos). */
  public static State decode(byte[] bytes, long nowNanos) {
    RemoteBucketState state = decode(bytes);
    state.refillAllBandwidth(nowNanos);
    long capacity = state.getConfiguration().getBandwidths()[0].getCapacity();
    return new State(Math.max(0, state.getAvailableTokens()), capacity);
  }

  /** Decodes {@code bytes} as Bucket4j does before an operation. */
  public static RemoteBucketState decode(byte[] bytes) {
    return InternalSerializationHelper.deserializeState(bytes);
  }

  /**
   * The tokens of {@code decoded} refilled up to {@code nowNanos}, by Bucket4j's arithmetic on a copy:
   * {@code decoded} is left as it was.
   */
  public static long availableTokens(RemoteBucketState decoded, long nowNanos) {
    RemoteBucketState state = decoded.copy();
    state.refillAllBandwidth(nowNanos);
    return Math.max(0, state.getAvailableTokens());
  }
}
