package network.notifi.sluice.redis.jobs;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.JobLimit;
import network.notifi.sluice.jobs.spi.AdmissionAttempt;
import network.notifi.sluice.jobs.spi.AdmissionStep;
import network.notifi.sluice.jobs.spi.AdmissionStore;
import network.notifi.sluice.jobs.spi.BackoffWindow;
import network.notifi.sluice.jobs.spi.BuildQueue;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;

/**
 * The admission step as one Lua script on the jobs hash slot: the backoff window, the active claim,
 * the slot (under the namespace's limit and the caps across namespaces) or the queue entry and the
 * record, with the same functions the other stores' scripts use, and for an admitted build (a slot
 * taken, or queued) the pointer {@code build id -> namespace}. So a start is one command, admitted or
 * refused, instead of one per check.
 *
 * <p>Starts that arrive while a call is in flight wait for it and then go together, in arrival order,
 * in the next call (at most {@value #MAX_BATCH} in one): the script runs their steps one after
 * another, each seeing what the earlier ones wrote, so the answers are exactly those of one call per
 * start, at one round trip for the lot. One call is in flight per store, as Bucket4j's batching
 * does for its buckets. A start whose future was cancelled before its call was sent is never sent.
 * Thread-safe; no call blocks.
 */
final class RedisAdmissionStore implements AdmissionStore {

  // The script is the file jobs-admit.lua in
  // redis/src/main/resources/network/notifi/sluice/redis/lua/, with KEYS, ARGV and reply at its top;
  // it uses the functions of the backoff, records, slots and queue scripts.
  private static final LuaScript ADMIT = LuaScript.load("jobs-admit.lua");

  /**
   * The most starts one call carries. The {@code {jobs}} master runs a start's step in 50-70 µs (up to
   * 450 µs for a queued start among 1,000 waiting third parties; docs/scale-out.md), so a full call
   * holds it for about 1 ms (7 ms at worst), while the other slots' commands on that master wait. A
   * busy replica had about 8 starts in flight, so the cap is seldom reached.
   */
  static final int MAX_BATCH = 16;

  private final RedissonClient client;
  private final JobKeys keys;
  private final Clock clock;
  private final RedisSlotStore slots;
  private final Queue<Start> waiting = new ConcurrentLinkedQueue<>();
  private final AtomicBoolean sending = new AtomicBoolean();
  private final DistributionSummary startsPerCall;

  RedisAdmissionStore(RedissonClient client, JobKeys keys, Clock clock, RedisSlotStore slots, MeterRegistry registry) {
    this.client = Objects.requireNonNull(client, "client");
    this.keys = Objects.requireNonNull(keys, "keys");
    this.clock = Objects.requireNonNull(clock, "clock");
    this.slots = Objects.requireNonNull(slots, "slots");
    this.startsPerCall = DistributionSummary.builder("jobs_admission_starts_per_call")
        .description("Build starts carried by one call of the Redis admission script")
        .register(registry);
  }

  /** One start's keys and arguments as the script takes them, and the answer its caller waits for. */
  private record Start(List<Object> keys, List<String> args, CompletableFuture<Void> indexed,
      CompletableFuture<AdmissionStep> answer) {}

  @Override
  public CompletableFuture<AdmissionStep> admit(AdmissionAttempt attempt) {
    Build build = attempt.build();
    String ns = build.namespace();
    long now = clock.millis();
    long ttlMs = Math.max(1, attempt.recordTtl().toMillis());
    List<String> fields = RedisBuildRecordStore.fields(build, now + ttlMs);
    List<String> args = new ArrayList<>(19 + fields.size());
    args.add(keys.queueLinePrefix(ns));
    args.add(keys.buildPrefix(ns));
    args.add(Long.toString(now));
    args.add(build.id());
    args.add(build.parserId());
    args.add(attempt.entry().line());
    args.add(build.thirdParty().isPresent() ? "1" : "0");
    args.add(build.createdAt().toString());
    args.add(Integer.toString(attempt.limits().namespace()));
    args.add(attempt.queueing() ? "1" : "0");
    args.add(attempt.mayStart() ? "1" : "0");
    args.add(Integer.toString(attempt.queueMaxDepth()));
    args.add(Long.toString(now + attempt.leaseDuration().toMillis()));
    args.add(Long.toString(ttlMs));
    args.add(keys.lineLeasesPrefix());
    args.add(Integer.toString(attempt.limits().total()));
    args.add(Integer.toString(attempt.limits().thirdParty()));
    args.add(ns);
    args.add(Long.toString(RedisBuildRecordStore.pointerTtlMs(ttlMs)));
    args.addAll(fields);
    List<Object> scriptKeys = List.of(
        keys.backoff(ns, build.parserId()), keys.failures(ns, build.parserId()), keys.active(ns, build.parserId()),
        keys.build(ns, build.id()), keys.slots(ns), keys.expiredSlots(ns), keys.queue(ns), keys.queueIds(ns),
        keys.queueRing(ns), keys.queueClaims(ns), keys.allLeases(), keys.leaseLines(), keys.buildNamespace(build.id()));
    var start = new Start(scriptKeys, args, slots.index(ns), new CompletableFuture<>());
    waiting.add(start);
    sendWaiting();
    return start.answer();
  }

  /**
   * Sends the waiting starts unless a call is in flight, whose end sends them instead. A call that
   * ends at once (it could not be written) does not recurse: this loop goes on.
   */
  private void sendWaiting() {
    while (!waiting.isEmpty() && sending.compareAndSet(false, true)) {
      List<Start> batch = new ArrayList<>();
      Start start;
      while (batch.size() < MAX_BATCH && (start = waiting.poll()) != null) {
        if (!start.answer().isDone()) {
          batch.add(start);
        }
      }
      CompletableFuture<Void> call = batch.isEmpty() ? CompletableFuture.completedFuture(null) : send(batch);
      if (!call.isDone()) {
        call.whenComplete((ignored, error) -> {
          sending.set(false);
          sendWaiting();
        });
        return;
      }
      sending.set(false);
    }
  }

  /** One call for {@code batch}: each start's answer from its own reply, or the call's failure. */
  private CompletableFuture<Void> send(List<Start> batch) {
    startsPerCall.record(batch.size());
    List<Object> scriptKeys = new ArrayList<>(batch.size() * batch.get(0).keys().size());
    List<Object> args = new ArrayList<>();
    for (Start start : batch) {
      scriptKeys.addAll(start.keys());
      args.add(Integer.toString(start.args().size()));
      args.addAll(start.args());
    }
    CompletableFuture<List<Object>> replies;
    try {
      // Sent once: a retry after a timeout could apply the step after the start was refused and cleaned up.
      replies = ADMIT.runOnce(client, ReturnType.LIST, scriptKeys, args.toArray());
    } catch (RuntimeException e) {
      replies = CompletableFuture.failedFuture(e);
    }
    return replies.handle((list, error) -> {
      for (int i = 0; i < batch.size(); i++) {
        Start start = batch.get(i);
        if (error != null) {
          start.answer().completeExceptionally(error);
          continue;
        }
        try {
          AdmissionStep step = toStep((List<?>) list.get(i));
          start.indexed().whenComplete((v, e) -> start.answer().complete(step));
        } catch (RuntimeException e) {
          start.answer().completeExceptionally(e);
        }
      }
      return null;
    });
  }

  private static AdmissionStep toStep(List<?> reply) {
    String kind = String.valueOf(reply.get(0));
    switch (kind) {
      case "error":
        throw new IllegalStateException("the admission script failed: " + reply.get(1));
      case "backoff":
        return new AdmissionStep.BackingOff(
            new BackoffWindow(Instant.ofEpochMilli(number(reply, 1)), (int) number(reply, 2)));
      case "already_active": {
        long position = number(reply, 1);
        Map<String, String> record = new HashMap<>();
        for (int i = 2; i + 1 < reply.size(); i += 2) {
          record.put(String.valueOf(reply.get(i)), String.valueOf(reply.get(i + 1)));
        }
        return new AdmissionStep.AlreadyActive(RedisBuildRecordStore.decode(record),
            BuildQueue.waitingPlace(OptionalLong.of(position)));
      }
      case "slot":
        return new AdmissionStep.SlotTaken((int) number(reply, 1));
      case "queued":
        return new AdmissionStep.Queued(number(reply, 1), number(reply, 2));
      case "at_capacity":
        return new AdmissionStep.AtCapacity(number(reply, 1) == 1, (int) number(reply, 2), number(reply, 3),
            JobLimit.ofCode(String.valueOf(reply.get(4))));
      default:
        throw new IllegalStateException("unexpected answer of the admission script: " + reply);
    }
  }

  private static long number(List<?> reply, int index) {
    return Long.parseLong(String.valueOf(reply.get(index)));
  }
}
