package network.notifi.sluice.jobs;

import java.time.Instant;
import java.util.Objects;
import java.util.Optional;

/**
 * The record of one build. Immutable; a change of state makes a new record.
 *
 * @param id the build id, unique across replicas
 * @param parserId the parser being built
 * @param namespace the namespace it runs in
 * @param thirdParty who asked for it, if known
 * @param state where it stands
 * @param createdAt when it was admitted (queued or started)
 * @param startedAt when it started running; empty while queued
 * @param finishedAt when it ended; empty while active
 * @param failureReason why it failed ({@link BuildState#FAILED}), or why a queued build waits after a
 *     deferred launch (e.g. {@code quota}); empty otherwise
 */
public record Build(
    String id,
    String parserId,
    String namespace,
    Optional<String> thirdParty,
    BuildState state,
    Instant createdAt,
    Optional<Instant> startedAt,
    Optional<Instant> finishedAt,
    Optional<String> failureReason) {

  public Build {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(parserId, "parserId");
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(thirdParty, "thirdParty");
    Objects.requireNonNull(state, "state");
    Objects.requireNonNull(createdAt, "createdAt");
    Objects.requireNonNull(startedAt, "startedAt");
    Objects.requireNonNull(finishedAt, "finishedAt");
    Objects.requireNonNull(failureReason, "failureReason");
  }

  /** A new build waiting for a slot. */
  public static Build queued(
      String id, String parserId, String namespace, Optional<String> thirdParty, Instant at) {
    return new Build(
        id, parserId, namespace, thirdParty, BuildState.QUEUED, at,
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  /** This build back in the queue after a deferred launch, waiting for {@code reason}; it has not run. */
  public Build waiting(String reason) {
    return new Build(id, parserId, namespace, thirdParty, BuildState.QUEUED, createdAt,
        Optional.empty(), Optional.empty(), Optional.of(reason));
  }

  public Build running(Instant at) {
    return new Build(
        id, parserId, namespace, thirdParty, BuildState.RUNNING, createdAt,
        Optional.of(at), Optional.empty(), Optional.empty());
  }

  public Build succeeded(Instant at) {
    return new Build(
        id, parserId, namespace, thirdParty, BuildState.SUCCEEDED, createdAt,
        startedAt, Optional.of(at), Optional.empty());
  }

  public Build failed(Instant at, String reason) {
    return new Build(
        id, parserId, namespace, thirdParty, BuildState.FAILED, createdAt,
        startedAt, Optional.of(at), Optional.of(reason));
  }
}
