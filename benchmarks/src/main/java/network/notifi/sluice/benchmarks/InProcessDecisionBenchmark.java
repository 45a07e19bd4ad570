package network.notifi.sluice.benchmarks;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Decision;
import network.notifi.sluice.limiter.Level;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.limiter.MultiLevelLimiter;
import network.notifi.sluice.limiter.RateRequest;
import network.notifi.sluice.limiter.inprocess.InProcessBucketStore;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One three-level decision (third party, endpoint {@code build.start}, global) on the in-process
 * store, as the HTTP handler makes it: {@code decide(request).join()} on a real clock, with one
 * limiter and store shared by all benchmark threads.
 *
 * <p>Parameters:
 *
 * <ul>
 *   <li>{@code caller}: {@code hot} (every request from one third party), {@code rotating} (10,000
 *       third parties in turn, all held in the cache), {@code anonymous} (no third party; the seed's
 *       default skips the third-party level, so two levels are asked).
 *   <li>{@code limits}: {@code roomy} is the seed's three levels with rate 10^6/s and burst 10^9,
 *       so no bucket runs out and every request is admitted (all levels asked, no refund);
 *       {@code seed} is {@link LimiterConfig#defaults()} exactly, so after the first burst nearly
 *       every request is refused: {@code hot} by its third-party bucket (nothing to give back),
 *       {@code rotating} by the endpoint bucket after taking a third-party token (one refund),
 *       {@code anonymous} by the endpoint bucket.
 * </ul>
 *
 * <p>The throughput methods also report {@code allowed} and {@code refused*} rates, so the path
 * taken is visible in the results.
 */
@State(Scope.Benchmark)
@Fork(value = 1, jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 4, time = 1)
public class InProcessDecisionBenchmark {

  static final int ROTATING_THIRD_PARTIES = 10_000;
  static final String ENDPOINT = "build.start";

  @Param({"hot", "rotating", "anonymous"})
  public String caller;

  @Param({"roomy", "seed"})
  public String limits;

  MultiLevelLimiter limiter;
  RateRequest[] requests;

  @Setup
  public void setUp() {
    LimiterConfig config = "seed".equals(limits) ? LimiterConfig.defaults() : roomy();
    var store = InProcessBucketStore.create(EpochNanoClock.system(), InProcessBucketStore.DEFAULT_MAX_THIRD_PARTIES);
    limiter = MultiLevelLimiter.of(config, store);
    requests =
        switch (caller) {
          case "hot" -> new RateRequest[] {RateRequest.of(ENDPOINT, "network.notifi.customer-123")};
          case "rotating" -> rotating();
          case "anonymous" -> new RateRequest[] {RateRequest.of(ENDPOINT, null)};
          default -> throw new IllegalArgumentException("caller must be hot, rotating or anonymous, was " + caller);
        };
  }

  /**
   * The seed's levels with limits no benchmark can exhaust; the code path is the same. A bucket of
   * 10^9 tokens at 10^6 per second also takes 1,000 s to refill, so idle third parties are not
   * expired while the rotation comes round.
   */
  static LimiterConfig roomy() {
    Limit unlimited = Limit.of(1_000_000L, 1_000_000_000L);
    return new LimiterConfig(
        unlimited, Map.of(ENDPOINT, unlimited), unlimited, LimiterConfig.defaults().anonymous());
  }

  private static RateRequest[] rotating() {
    var requests = new RateRequest[ROTATING_THIRD_PARTIES];
    for (int i = 0; i < requests.length; i++) {
      requests[i] = RateRequest.of(ENDPOINT, String.format("network.notifi.customer-%06d", i));
    }
    return requests;
  }

  /** Each thread walks the requests from its own offset, so threads rarely share a third party. */
  @State(Scope.Thread)
  public static class Cursor {
    private static final AtomicInteger THREADS = new AtomicInteger();
    private int next;

    @Setup
    public void setUp() {
      next = THREADS.getAndIncrement() * (ROTATING_THIRD_PARTIES / 2 + 1);
    }

    RateRequest next(RateRequest[] requests) {
      if (next >= requests.length) {
        next %= requests.length;
      }
      return requests[next++];
    }
  }

  /** Which way the decisions went; reported as rates next to the throughput. */
  @State(Scope.Thread)
  @AuxCounters(AuxCounters.Type.OPERATIONS)
  public static class Outcomes {
    public long allowed;
    public long refusedThirdParty;
    public long refusedEndpoint;
    public long refusedGlobal;

    void count(Decision decision) {
      if (decision.allowed()) {
        allowed++;
        return;
      }
      Level level = decision.refusal().orElseThrow().level();
      switch (level) {
        case THIRD_PARTY -> refusedThirdParty++;
        case ENDPOINT -> refusedEndpoint++;
        case GLOBAL -> refusedGlobal++;
      }
    }
  }

  private Decision decide(Cursor cursor) {
    return limiter.decide(cursor.next(requests)).join();
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @Threads(1)
  public Decision latency1Thread(Cursor cursor) {
    return decide(cursor);
  }

  @Benchmark
  @BenchmarkMode(Mode.SampleTime)
  @OutputTimeUnit(TimeUnit.NANOSECONDS)
  @Threads(2)
  public Decision latency2Threads(Cursor cursor) {
    return decide(cursor);
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(1)
  public void throughput1Thread(Cursor cursor, Outcomes outcomes) {
    outcomes.count(decide(cursor));
  }

  @Benchmark
  @BenchmarkMode(Mode.Throughput)
  @OutputTimeUnit(TimeUnit.SECONDS)
  @Threads(2)
  public void throughput2Threads(Cursor cursor, Outcomes outcomes) {
    outcomes.count(decide(cursor));
  }
}
