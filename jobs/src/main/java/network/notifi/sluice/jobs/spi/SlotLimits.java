package network.notifi.sluice.jobs.spi;

import java.util.Optional;
import network.notifi.sluice.jobs.JobLimit;

/**
 * The limits a slot is taken under: the slots of the build's namespace and the caps across all
 * namespaces. A build holds a slot while it is launching or running, and counts against all three
 * while it does.
 *
 * @param namespace leases of the build's namespace at most, >= 1
 * @param total leases across all namespaces at most ({@code jobs.max_concurrent_total}); 0 for no cap
 * @param thirdParty leases of the build's third party across all namespaces at most ({@code
 *     jobs.max_concurrent_per_third_party}); 0 for no cap. Builds without a third party count as one
 *     third party, the queue's anonymous line
 */
public record SlotLimits(int namespace, int total, int thirdParty) {

  /** No limit at all: a build that runs already (written back, adopted) is counted whatever the rest. */
  public static final SlotLimits NONE = new SlotLimits(Integer.MAX_VALUE, 0, 0);

  public SlotLimits {
    if (namespace < 1 || total < 0 || thirdParty < 0) {
      throw new IllegalArgumentException(
          "namespace must be >= 1, total and thirdParty >= 0, was " + namespace + ", " + total + ", " + thirdParty);
    }
  }

  /** Only the namespace's slots, no cap across namespaces. */
  public static SlotLimits ofNamespace(int namespace) {
    return new SlotLimits(namespace, 0, 0);
  }

  /**
   * The first limit that leaves no room for one more lease, checked namespace, total, third party;
   * empty if one more fits. Every backend decides with this rule.
   *
   * @param inNamespace live leases of the namespace
   * @param inTotal live leases of all namespaces
   * @param ofThirdParty live leases of the build's third party in all namespaces
   */
  public Optional<JobLimit> full(int inNamespace, int inTotal, int ofThirdParty) {
    if (inNamespace >= namespace) {
      return Optional.of(JobLimit.NAMESPACE);
    }
    if (total > 0 && inTotal >= total) {
      return Optional.of(JobLimit.TOTAL);
    }
    if (thirdParty > 0 && ofThirdParty >= thirdParty) {
      return Optional.of(JobLimit.THIRD_PARTY);
    }
    return Optional.empty();
  }
}
