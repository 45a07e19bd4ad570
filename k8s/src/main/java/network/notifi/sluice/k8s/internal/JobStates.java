package network.notifi.sluice.k8s.internal;

import io.kubernetes.client.openapi.models.V1Job;
import io.kubernetes.client.openapi.models.V1JobCondition;
import java.util.List;
import java.util.Optional;

/** Reads a Job's end from its status as the Job controller writes it. Pure. */
public final class JobStates {

  private JobStates() {}

  /** An ended Job's outcome: empty while it runs; else success, or the failure reason. */
  public static Optional<Ended> ended(V1Job job) {
    var status = job.getStatus();
    if (status == null) {
      return Optional.empty();
    }
    List<V1JobCondition> conditions = status.getConditions() == null ? List.of() : status.getConditions();
    for (V1JobCondition c : conditions) {
      if (!"True".equalsIgnoreCase(c.getStatus())) {
        continue;
      }
      if ("Complete".equals(c.getType()) || "SuccessCriteriaMet".equals(c.getType())) {
        return Optional.of(new Ended(true, null));
      }
      if ("Failed".equals(c.getType()) || "FailureTarget".equals(c.getType())) {
        String reason = c.getReason() == null ? "Failed" : c.getReason();
        String detail = c.getMessage() == null || c.getMessage().isBlank() ? "" : ": " + c.getMessage();
        return Optional.of(new Ended(false, "job failed (" + reason + ")" + detail));
      }
    }
    return Optional.empty();
  }

  public static boolean isFinished(V1Job job) {
    return ended(job).isPresent();
  }

  /** @param failureReason null on success */
  public record Ended(boolean succeeded, String failureReason) {}
}
