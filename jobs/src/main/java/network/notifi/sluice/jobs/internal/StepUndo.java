package network.notifi.sluice.jobs.internal;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.spi.JobStores;

/**
 * Undoes what an admission step may have written for a build that will not run: frees the parser's
 * active claim and fails a record that is still queued, so that the parser is not blocked until the
 * record expires and a queue entry the step may have written is acknowledged without a launch. A
 * lease the step may have taken is never renewed, so it expires and is reaped. Used when a step
 * failed while the stores answer, and by degraded mode's write-back for steps given up on.
 */
public final class StepUndo {

  private StepUndo() {}

  /** Undoes {@code build}'s step; a queued record is failed at {@code now} with {@code reason}. */
  public static CompletableFuture<Void> undo(JobStores stores, Build build, String reason, Instant now,
      Duration recordTtl) {
    var records = stores.records();
    return records.releaseActive(build.namespace(), build.parserId(), build.id())
        .thenCompose(freed -> records.get(build.namespace(), build.id()))
        .thenCompose(found -> found.isPresent() && found.get().state() == BuildState.QUEUED
            ? records.update(found.get().failed(now, reason), recordTtl)
            : CompletableFuture.<Void>completedFuture(null));
  }
}
