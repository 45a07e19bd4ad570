package network.notifi.sluice.benchmarks;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.IntFunction;
import java.util.stream.Stream;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.limiter.EpochNanoClock;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.spi.BucketKey;
import network.notifi.sluice.redis.RedisBucketStore;
import network.notifi.sluice.redis.RedisClients;
import network.notifi.sluice.redis.RedisConfig;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.ByteArrayCodec;

/**
 * What one shared operation costs the JVM that sends it, apart from HTTP: the CPU time and the
 * context switches of this process per operation while {@code in-flight} operations run at once,
 * each next one sent from a pool of two threads (as a request thread would send it), over 1,000
 * keys in turn. Three modes, one after the other in the same process and run, so that each is the
 * others' baseline; the last two at 1, 4 and 32 operations in flight (or the one given), after a
 * warm-up of each at the most:
 *
 * <ul>
 *   <li>{@code none}: no command, the future completes at once: the driver's own hand-offs;
 *   <li>{@code get}: one Redisson {@code GET} of a bucket's key: the client's floor per command;
 *   <li>{@code cas}: one {@link RedisBucketStore#tryConsume} on a third party's bucket (Bucket4j's
 *       compare-and-swap script, from the state this process last saw): a third-party level.
 * </ul>
 *
 * <pre>
 * java -cp benchmarks/target/sluice-benchmarks-*.jar network.notifi.sluice.benchmarks.SharedDecisionCost \
 *     cluster 127.0.0.1:7201,127.0.0.1:7202,127.0.0.1:7203 [seconds per mode, 10] [in flight: 1, 4 and 32]
 * </pre>
 *
 * Not JMH: the figure wanted is CPU per operation of the whole process (event loop included) at a
 * given concurrency, not a single thread's time per call. {@code benchmarks/run.sh cost} runs it
 * against a {@code redis-server} of its own (docs/benchmarks.md).
 */
public final class SharedDecisionCost {

  private static final int KEYS = 1_000;
  private static final Limit ROOMY = Limit.of(1_000_000, 1_000_000);

  private SharedDecisionCost() {}

  public static void main(String[] args) throws Exception {
    if (args.length < 2) {
      System.err.println("usage: SharedDecisionCost cluster|standalone host:port[,host:port...] [seconds] [in flight]");
      System.exit(2);
    }
    RedisConfig.Mode mode = RedisConfig.Mode.parse(args[0]);
    int seconds = args.length > 2 ? Integer.parseInt(args[2]) : 10;
    int[] inFlight = args.length > 3 ? new int[] {Integer.parseInt(args[3])} : new int[] {1, 4, 32};
    RedisConfig config = RedisConfig.defaults()
        .withServers(mode, RedisConfig.parseAddresses(args[1]))
        .withTimeouts(Duration.ofSeconds(2), Duration.ofSeconds(3))
        .withKeyPrefix("cost-" + System.nanoTime() + ":");
    RedissonClient client = RedisClients.create(config);
    ExecutorService senders = Executors.newFixedThreadPool(2, DaemonThreads.numbered("sender"));
    try {
      RedisBucketStore store = RedisBucketStore.create(client, config, EpochNanoClock.system());
      String[] thirdParties = new String[KEYS];
      for (int i = 0; i < KEYS; i++) {
        thirdParties[i] = "tp-" + i;
      }
      IntFunction<CompletableFuture<?>> none = i -> CompletableFuture.completedFuture(null);
      IntFunction<CompletableFuture<?>> get = i -> client
          .<byte[]>getBucket(store.redisKey(BucketKey.thirdParty(thirdParties[i])), ByteArrayCodec.INSTANCE)
          .getAsync().toCompletableFuture();
      IntFunction<CompletableFuture<?>> cas = i -> store.tryConsume(BucketKey.thirdParty(thirdParties[i]), ROOMY, 1);
      System.out.printf(Locale.ROOT, "mode=%s seconds=%d keys=%d%n", mode, seconds, KEYS);
      int most = inFlight[inFlight.length - 1];
      run(get, senders, most, seconds);
      run(cas, senders, most, seconds);
      print("none, in flight " + most, run(none, senders, most, seconds));
      for (int n : inFlight) {
        print("get,  in flight " + n, run(get, senders, n, seconds));
        print("cas,  in flight " + n, run(cas, senders, n, seconds));
      }
    } finally {
      senders.shutdownNow();
      client.shutdown();
    }
  }

  /** {@code switches} is negative where they cannot be counted (no {@code /proc}). */
  private record Result(long operations, double seconds, long cpuNanos, long switches) {}

  private static Result run(IntFunction<CompletableFuture<?>> operation, ExecutorService senders, int inFlight,
      int seconds) throws InterruptedException {
    var os = (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    LongAdder done = new LongAdder();
    AtomicBoolean running = new AtomicBoolean(true);
    for (int chain = 0; chain < inFlight; chain++) {
      int first = chain * (KEYS / inFlight);
      senders.execute(() -> send(operation, senders, first, done, running));
    }
    Thread.sleep(2_000);
    long cpu0 = os.getProcessCpuTime();
    long switches0 = contextSwitches();
    long ops0 = done.sum();
    long t0 = System.nanoTime();
    Thread.sleep(seconds * 1_000L);
    long cpu1 = os.getProcessCpuTime();
    long switches1 = contextSwitches();
    long ops1 = done.sum();
    long t1 = System.nanoTime();
    running.set(false);
    Thread.sleep(500);
    long switches = switches0 < 0 || switches1 < 0 ? -1 : switches1 - switches0;
    return new Result(ops1 - ops0, (t1 - t0) / 1e9, cpu1 - cpu0, switches);
  }

  /**
   * Context switches (voluntary and not) of this process's threads so far, from {@code
   * /proc/self/task/<tid>/status}; -1 where there is no {@code /proc}. Threads that ended are not
   * counted: the benchmark's threads live as long as it does.
   */
  private static long contextSwitches() {
    try (Stream<Path> tasks = Files.list(Path.of("/proc/self/task"))) {
      long sum = 0;
      for (Path task : (Iterable<Path>) tasks::iterator) {
        try {
          for (String line : Files.readAllLines(task.resolve("status"))) {
            if (line.startsWith("voluntary_ctxt_switches:") || line.startsWith("nonvoluntary_ctxt_switches:")) {
              sum += Long.parseLong(line.substring(line.indexOf(':') + 1).trim());
            }
          }
        } catch (NoSuchFileException ended) {
          // The thread ended between the listing and the read.
        }
      }
      return sum;
    } catch (IOException noProc) {
      return -1;
    }
  }

  /** One chain: sends an operation, and from a sender thread the next one when it completes. */
  private static void send(IntFunction<CompletableFuture<?>> operation, ExecutorService senders, int key,
      LongAdder done, AtomicBoolean running) {
    if (!running.get()) {
      return;
    }
    operation.apply(key % KEYS).whenComplete((v, failure) -> {
      if (failure != null) {
        System.err.println("operation failed: " + failure);
      }
      done.increment();
      senders.execute(() -> send(operation, senders, key + 1, done, running));
    });
  }

  private static void print(String label, Result r) {
    String switches = r.switches() < 0
        ? "  n/a"
        : String.format(Locale.ROOT, "%5.2f", (double) r.switches() / r.operations());
    System.out.printf(Locale.ROOT,
        "%-20s %,10.0f ops/s  %6.1f µs of process CPU per op  %s context switches per op  (%,d ops in %.1f s)%n",
        label, r.operations() / r.seconds(), r.cpuNanos() / 1e3 / r.operations(), switches, r.operations(),
        r.seconds());
  }
}
