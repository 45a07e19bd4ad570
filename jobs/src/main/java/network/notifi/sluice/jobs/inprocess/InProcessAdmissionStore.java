package network.notifi.sluice.jobs.inprocess;

import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.JobLimit;
import network.notifi.sluice.jobs.spi.AdmissionAttempt;
import network.notifi.sluice.jobs.spi.AdmissionStep;
import network.notifi.sluice.jobs.spi.AdmissionStore;
import network.notifi.sluice.jobs.spi.BackoffWindow;
import network.notifi.sluice.jobs.spi.BuildQueue;
import network.notifi.sluice.jobs.spi.Enqueued;
import network.notifi.sluice.jobs.spi.SlotAcquisition;

/**
 * The admission step over the in-process stores, atomic because it holds the locks of all four
 * while it runs (always in the same order; every other call takes one of them, so none can deadlock
 * with it). The stores answer at once, so joining their futures here never waits.
 */
final class InProcessAdmissionStore implements AdmissionStore {

  private final InProcessBackoffStore backoffs;
  private final InProcessBuildRecordStore records;
  private final InProcessBuildQueue queue;
  private final InProcessSlotStore slots;

  InProcessAdmissionStore(
      InProcessBackoffStore backoffs,
      InProcessBuildRecordStore records,
      InProcessBuildQueue queue,
      InProcessSlotStore slots) {
    this.backoffs = Objects.requireNonNull(backoffs, "backoffs");
    this.records = Objects.requireNonNull(records, "records");
    this.queue = Objects.requireNonNull(queue, "queue");
    this.slots = Objects.requireNonNull(slots, "slots");
  }

  @Override
  public CompletableFuture<AdmissionStep> admit(AdmissionAttempt attempt) {
    synchronized (backoffs) {
      synchronized (records) {
        synchronized (queue) {
          synchronized (slots) {
            return CompletableFuture.completedFuture(admitLocked(attempt));
          }
        }
      }
    }
  }

  private AdmissionStep admitLocked(AdmissionAttempt attempt) {
    Build build = attempt.build();
    String ns = build.namespace();
    Optional<BackoffWindow> window = backoffs.window(ns, build.parserId()).join();
    if (window.isPresent()) {
      return new AdmissionStep.BackingOff(window.get());
    }
    String holder = records.claimActive(ns, build.parserId(), build.id(), attempt.recordTtl()).join();
    if (!holder.equals(build.id())) {
      Optional<Build> held = records.get(holder).join();
      if (held.isPresent() && held.get().state().isActive()) {
        OptionalLong position = held.get().state() == BuildState.QUEUED
            ? BuildQueue.waitingPlace(queue.position(ns, holder).join())
            : OptionalLong.empty();
        return new AdmissionStep.AlreadyActive(held.get(), position);
      }
      // The holder ended or expired without freeing its place: the place is this build's now.
      records.releaseActive(ns, build.parserId(), holder).join();
      records.claimActive(ns, build.parserId(), build.id(), attempt.recordTtl()).join();
    }
    int active = -1;
    JobLimit full = JobLimit.NAMESPACE;
    if (attempt.mayStart() && (!attempt.queueing() || queue.depth(ns).join() == 0)) {
      SlotAcquisition acquisition = slots.acquire(
          ns, build.id(), build.thirdParty(), attempt.limits(), attempt.leaseDuration()).join();
      if (acquisition.acquired()) {
        records.put(build, attempt.recordTtl()).join();
        return new AdmissionStep.SlotTaken(acquisition.active());
      }
      active = acquisition.active();
      full = acquisition.full().orElseThrow();
    }
    if (active < 0) {
      active = slots.active(ns).join();
      full = slots.full(ns, attempt.entry().line(), attempt.limits()).orElse(JobLimit.NAMESPACE);
    }
    if (!attempt.queueing()) {
      records.releaseActive(ns, build.parserId(), build.id()).join();
      return new AdmissionStep.AtCapacity(false, active, queue.depth(ns).join(), full);
    }
    Enqueued enqueued = queue.enqueue(attempt.entry(), attempt.queueMaxDepth()).join();
    if (!enqueued.accepted()) {
      records.releaseActive(ns, build.parserId(), build.id()).join();
      return new AdmissionStep.AtCapacity(true, active, enqueued.depth(), full);
    }
    records.put(build, attempt.recordTtl()).join();
    return new AdmissionStep.Queued(enqueued.position(), enqueued.depth());
  }
}
