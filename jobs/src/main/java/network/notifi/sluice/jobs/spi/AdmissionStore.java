package network.notifi.sluice.jobs.spi;

import java.util.concurrent.CompletableFuture;

/**
 * The admission of one new build as one atomic step over the other stores of the same backend: the
 * parser's backoff window, the active claim of (namespace, parser), the namespace's slots and queue,
 * and the build's record.
 *
 * <p>In order, {@link #admit} answers:
 *
 * <ol>
 *   <li>{@link AdmissionStep.BackingOff} while the parser's backoff window is open;
 *   <li>{@link AdmissionStep.AlreadyActive} when another build of the parser holds the active claim and its
 *       record is still queued or running (a holder that ended or expired loses the place);
 *   <li>{@link AdmissionStep.SlotTaken} when the launcher may start builds, the namespace's queue is
 *       empty (or {@code queueing} is off) and a slot is free under every limit of {@code
 *       attempt.limits()} (the namespace's slots, the total and the third party's cap, counted as
 *       {@link SlotStore#acquire} does): the build now holds a lease;
 *   <li>{@link AdmissionStep.Queued} when {@code queueing} is on and the queue has room: the build
 *       is at the back of its third party's line;
 *   <li>{@link AdmissionStep.AtCapacity} otherwise.
 * </ol>
 *
 * <p>On {@link AdmissionStep.SlotTaken} and {@link AdmissionStep.Queued} the build's record (as
 * given, queued) is written and the build holds the active claim; on every other answer nothing is
 * written. Because the step is atomic, a slot freed by a build that ends concurrently is either
 * taken by this step or finds the queued build when the ender drains the queue: no build waits
 * behind a free slot.
 *
 * <p>A remote backend does the step in one round trip (the Redis backend: one Lua script on the
 * hash slot that holds every jobs key, which carries the steps of concurrent starts together). If the
 * future fails, the step may or may not have been applied; the caller cleans up as after any failed
 * store call. A caller that stops waiting cancels the future: a store that has not sent the step yet
 * then never sends it. Thread-safe; no call blocks.
 */
public interface AdmissionStore extends AutoCloseable {

  /** Admits {@code attempt.build()} as described in the class comment. */
  CompletableFuture<AdmissionStep> admit(AdmissionAttempt attempt);

  /** Releases what the store holds; the stores it works over are closed by their owner. */
  @Override
  default void close() {}
}
