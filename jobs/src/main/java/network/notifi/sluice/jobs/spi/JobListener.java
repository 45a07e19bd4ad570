package network.notifi.sluice.jobs.spi;

/**
 * Told when a launched job ends. Called on the launcher's threads; must not block. A launcher may
 * report the same end more than once (e.g. a watch and a re-list both see it); the core acts once.
 */
@FunctionalInterface
public interface JobListener {

  void onJobEnded(JobOutcome outcome);
}
