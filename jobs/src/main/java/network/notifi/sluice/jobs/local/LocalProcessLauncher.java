package network.notifi.sluice.jobs.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobListener;
import network.notifi.sluice.jobs.spi.JobListeners;
import network.notifi.sluice.jobs.spi.JobOutcome;
import network.notifi.sluice.jobs.spi.LaunchDeferredException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs each build as a child process of this replica ({@code jobs.launcher: local}, the embedded
 * default): {@code /bin/sh -c <jobs.local.command>} with {@code PARSER_ID}, {@code BUILD_ID}, {@code
 * NAMESPACE} and {@code THIRD_PARTY_ID} (empty when none) in its environment.
 *
 * <p>Exit code 0 is success; any other fails with reason {@code exit code N}. A build still running
 * after {@code jobs.local.timeout} is killed with its child processes and fails with reason {@code
 * timed out after ...}. Standard output and error go to one log per build, of which the last {@code
 * jobs.local.log_limit_bytes} are kept, for the last {@value #KEPT_LOGS} builds.
 *
 * <p>Thread-safe. {@link #launch} forks on the launcher's own thread, one build at a time (about a
 * millisecond each, far more on a loaded machine), never on the caller's: the caller is often an
 * event loop of the Redis client, which a fork would stall. Output is read and ends are reported on
 * the launcher's own daemon threads too.
 *
 * <p>A launch once {@link #close()} has begun is deferred ({@link
 * LaunchDeferredException#REPLICA_STOPPING}), not failed: the build waits in the queue for another
 * replica.
 */
public final class LocalProcessLauncher implements JobLauncher {

  /** The failure reason of a cancelled build; not the parser's fault, so it opens no backoff. */
  static final String CANCELLED = "cancelled";

  /**
   * The failure reason of a build killed because the launcher closed (the replica shuts down); not
   * the parser's fault, so it opens no backoff.
   */
  public static final String INTERRUPTED = "interrupted: the replica running it shut down";

  /** How long {@link #close()} waits for killed builds to exit and their ends to be reported. */
  static final Duration CLOSE_WAIT = Duration.ofSeconds(5);

  private static final Logger log = LoggerFactory.getLogger(LocalProcessLauncher.class);

  /** Logs of this many builds are kept, the most recent ones. */
  public static final int KEPT_LOGS = 1000;

  private final JobsConfig.Local config;
  private final JobListeners listeners = new JobListeners();
  private final Map<String, Running> running = new ConcurrentHashMap<>();
  private final Map<String, BoundedLog> logs = new LinkedHashMap<>(16, 0.75f, false) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, BoundedLog> eldest) {
          return size() > KEPT_LOGS;
        }
      };
  private final ExecutorService readers =
      Executors.newCachedThreadPool(DaemonThreads.numbered("sluice-local-build-log"));
  private final ExecutorService starter =
      Executors.newSingleThreadExecutor(DaemonThreads.numbered("sluice-local-build-start"));
  private final ScheduledExecutorService timeouts =
      Executors.newSingleThreadScheduledExecutor(DaemonThreads.numbered("sluice-local-build-timeout"));

  private volatile boolean closed;

  public LocalProcessLauncher(JobsConfig.Local config) {
    this.config = Objects.requireNonNull(config, "config");
  }

  @Override
  public void addListener(JobListener listener) {
    listeners.add(listener);
  }

  @Override
  public CompletableFuture<Void> launch(Build build) {
    if (closed) {
      return CompletableFuture.failedFuture(LaunchDeferredException.replicaStopping("the local launcher"));
    }
    try {
      return CompletableFuture.supplyAsync(() -> start(build), starter).thenCompose(started -> started);
    } catch (RejectedExecutionException e) {
      return CompletableFuture.failedFuture(LaunchDeferredException.replicaStopping("the local launcher"));
    }
  }

  /** Forks the build's process; on {@link #starter} only, so that a build is never started twice. */
  private CompletableFuture<Void> start(Build build) {
    if (closed) {
      return CompletableFuture.failedFuture(LaunchDeferredException.replicaStopping("the local launcher"));
    }
    if (running.containsKey(build.id())) {
      return CompletableFuture.completedFuture(null);
    }
    ProcessBuilder builder = new ProcessBuilder("/bin/sh", "-c", config.command()).redirectErrorStream(true);
    Map<String, String> env = builder.environment();
    env.put("PARSER_ID", build.parserId());
    env.put("BUILD_ID", build.id());
    env.put("NAMESPACE", build.namespace());
    env.put("THIRD_PARTY_ID", build.thirdParty().orElse(""));
    Process process;
    try {
      process = builder.start();
    } catch (IOException e) {
      return CompletableFuture.failedFuture(new UncheckedIOException("could not start " + config.command(), e));
    }
    BoundedLog output = new BoundedLog(config.logLimitBytes());
    synchronized (logs) {
      logs.put(build.id(), output);
    }
    Running job = new Running(build, process);
    running.put(build.id(), job);
    if (closed) {
      // close() ran meanwhile and may not have seen this job.
      kill(job, INTERRUPTED, false);
    }
    CompletableFuture<Void> drained = CompletableFuture.runAsync(() -> copy(process.getInputStream(), output), readers);
    Duration timeout = config.timeout();
    job.timeout =
        timeouts.schedule(
            () -> kill(job, "timed out after " + timeout, true), timeout.toMillis(), TimeUnit.MILLISECONDS);
    process
        .onExit()
        // Let the reader catch the last output, but not wait for grandchildren that keep the pipe.
        .thenCompose(p -> drained.completeOnTimeout(null, 1, TimeUnit.SECONDS))
        .whenComplete((v, error) -> ended(job))
        .whenComplete((v, error) -> job.reported.complete(null));
    return CompletableFuture.completedFuture(null);
  }

  @Override
  public CompletableFuture<Boolean> cancel(String namespace, String buildId) {
    Running job = running.get(buildId);
    if (job == null) {
      return CompletableFuture.completedFuture(false);
    }
    return CompletableFuture.completedFuture(kill(job, CANCELLED, false));
  }

  /** The kept tail of a build's output, if this launcher ran it recently. */
  public Optional<String> log(String buildId) {
    synchronized (logs) {
      return Optional.ofNullable(logs.get(buildId)).map(BoundedLog::text);
    }
  }

  /** Builds whose process is running now. */
  public int runningCount() {
    return running.size();
  }

  /**
   * Kills every running build, each ending as failed with reason {@value #INTERRUPTED}, not the
   * parser's fault; waits up to {@code CLOSE_WAIT} until their ends are reported; stops the threads.
   */
  @Override
  public void close() {
    closed = true;
    List<CompletableFuture<Void>> reported = new ArrayList<>();
    running.values().forEach(job -> {
      kill(job, INTERRUPTED, false);
      reported.add(job.reported);
    });
    try {
      CompletableFuture.allOf(reported.toArray(CompletableFuture[]::new))
          .get(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (Exception e) {
      log.warn("{} killed builds had not exited after {}", running.size(), CLOSE_WAIT);
    }
    starter.shutdown();
    timeouts.shutdownNow();
    readers.shutdown();
  }

  /**
   * Kills the process and its descendants; the first reason given is the one reported, as the
   * parser's fault or not.
   */
  private boolean kill(Running job, String reason, boolean parserFault) {
    synchronized (job) {
      if (job.killedFor != null || !job.process.isAlive()) {
        return false;
      }
      job.killedFor = reason;
      job.killedByParserFault = parserFault;
    }
    // Children first: once the shell is gone they are no longer its descendants.
    job.process.descendants().forEach(ProcessHandle::destroyForcibly);
    job.process.destroyForcibly();
    return true;
  }

  private void ended(Running job) {
    if (job.timeout != null) {
      job.timeout.cancel(false);
    }
    running.remove(job.build.id(), job);
    // Kill what the build left behind in the background.
    job.process.descendants().forEach(ProcessHandle::destroyForcibly);
    String killedFor;
    boolean parserFault;
    synchronized (job) {
      killedFor = job.killedFor;
      parserFault = job.killedByParserFault;
    }
    int exit = job.process.exitValue();
    Build build = job.build;
    JobOutcome outcome =
        killedFor != null
            ? new JobOutcome(build.id(), build.namespace(), false, Optional.of(killedFor), parserFault)
            : exit == 0
                ? JobOutcome.succeeded(build.id(), build.namespace())
                : JobOutcome.failed(build.id(), build.namespace(), "exit code " + exit);
    listeners.tell(outcome);
  }

  private static void copy(InputStream in, BoundedLog output) {
    byte[] buffer = new byte[8192];
    try (in) {
      int n;
      while ((n = in.read(buffer)) >= 0) {
        output.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // The process went away and closed its end of the pipe; what was read is kept.
    }
  }

  /** One build's process. Guarded by its own monitor: {@code killedFor}, {@code killedByParserFault}. */
  private static final class Running {
    final Build build;
    final Process process;
    final CompletableFuture<Void> reported = new CompletableFuture<>();
    volatile ScheduledFuture<?> timeout;
    String killedFor;
    boolean killedByParserFault;

    Running(Build build, Process process) {
      this.build = build;
      this.process = process;
    }
  }
}
