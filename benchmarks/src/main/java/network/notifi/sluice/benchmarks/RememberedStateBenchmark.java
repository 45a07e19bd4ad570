package network.notifi.sluice.benchmarks;

import io.github.bucket4j.BucketState;
import io.github.bucket4j.MathType;
import io.github.bucket4j.distributed.remote.RemoteBucketState;
import io.github.bucket4j.distributed.remote.RemoteStat;
import io.github.bucket4j.distributed.serialization.InternalSerializationHelper;
import io.github.bucket4j.distributed.versioning.Versions;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.Bucket4jSupport;
import network.notifi.sluice.redis.internal.BucketStateCodec;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Counting the tokens of a bucket state a replica remembers, as the Redis store does for each level of
 * a decision ({@code BucketStore.expectedTokens}): decoding Bucket4j's bytes and refilling, against
 * refilling a copy of a state decoded once. The state is the seed's third-party limit (20, 10/s).
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms256m", "-Xmx256m"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
public class RememberedStateBenchmark {

  private byte[] bytes;
  private RemoteBucketState decoded;
  private long now;

  @Setup
  public void setUp() {
    now = System.currentTimeMillis() * 1_000_000L;
    BucketState state = BucketState.createInitialState(
        Bucket4jSupport.configurationFor(Limit.of(10, 20)), MathType.INTEGER_64_BITS, now);
    bytes = InternalSerializationHelper.serializeState(new RemoteBucketState(state, new RemoteStat(0), null),
        Versions.getLatest());
    decoded = BucketStateCodec.decode(bytes);
  }

  @Benchmark
  public long decodeThenRefill() {
    return BucketStateCodec.decode(bytes, now + 5_000_000).availableTokens();
  }

  @Benchmark
  public long refillACopyOfTheDecodedState() {
    return BucketStateCodec.availableTokens(decoded, now + 5_000_000);
  }
}
