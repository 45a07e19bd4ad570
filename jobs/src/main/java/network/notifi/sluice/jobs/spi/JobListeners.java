package network.notifi.sluice.jobs.spi;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listeners of one {@link JobLauncher}, for launchers to tell each end to: every listener hears
 * every end, and a listener that throws is logged and does not keep the end from the others.
 *
 * <p>Ends told before the first listener registers (a launcher may find ends while the core is still
 * being wired) are kept, at most {@value #KEPT_UNHEARD} and the oldest dropped, and told to that
 * listener when it registers. Thread-safe; {@link #tell} runs the listeners on the caller's thread.
 */
public final class JobListeners {

  /** Ends kept for a first listener that has not registered yet, at most. */
  public static final int KEPT_UNHEARD = 10_000;

  private static final Logger log = LoggerFactory.getLogger(JobListeners.class);

  private final List<JobListener> listeners = new CopyOnWriteArrayList<>();
  // Guards the registration of a listener together with the hand-over of the kept ends.
  private final Deque<JobOutcome> unheard = new ArrayDeque<>();

  /** Registers a listener; ends told before the first one registered are told to it now. */
  public void add(JobListener listener) {
    Objects.requireNonNull(listener, "listener");
    List<JobOutcome> missed;
    synchronized (unheard) {
      listeners.add(listener);
      missed = List.copyOf(unheard);
      unheard.clear();
    }
    missed.forEach(outcome -> tell(listener, outcome));
  }

  /** Tells every listener of the end, or keeps it until the first listener registers. */
  public void tell(JobOutcome outcome) {
    Objects.requireNonNull(outcome, "outcome");
    synchronized (unheard) {
      if (listeners.isEmpty()) {
        if (unheard.size() == KEPT_UNHEARD) {
          unheard.removeFirst();
        }
        unheard.addLast(outcome);
        return;
      }
    }
    for (JobListener listener : listeners) {
      tell(listener, outcome);
    }
  }

  /** Whether a listener has registered. */
  public boolean any() {
    return !listeners.isEmpty();
  }

  private static void tell(JobListener listener, JobOutcome outcome) {
    try {
      listener.onJobEnded(outcome);
    } catch (RuntimeException e) {
      log.error("a job listener failed on {}", outcome, e);
    }
  }
}
