package network.notifi.sluice.redis.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import network.notifi.sluice.jobs.AdmissionResult;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.BuildAdmission;
import network.notifi.sluice.jobs.BuildRequest;
import network.notifi.sluice.jobs.BuildState;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.ScriptedLauncher;
import network.notifi.sluice.jobs.internal.Dispatcher;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.redis.RedisConfig;
import network.notifi.sluice.redis.testing.SharedClients;
import network.notifi.sluice.jobs.spi.SlotLimits;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;
import org.redisson.api.RScript;
import org.redisson.client.codec.StringCodec;

/**
 * Three replicas on the cluster share one namespace's slots and queue; one dies mid-way (its Redis
 * client is shut down, its dispatcher stops, its leases stop being renewed). Real time passes here.
 */
class RedisAdmissionCrashTest {

  private static final int LIMIT = 10;
  private static final int BUILDS = 50;
  private static final String NS = "crash";
  private static final Duration LEASE = Duration.ofSeconds(2);

  private final RedisConfig config = JobsRedis.config(RedisAdmissionCrashTest.class);
  private final JobsConfig jobs =
      JobsConfig.defaults()
          .withMaxConcurrentJobs(LIMIT)
          .withDefaultNamespace(NS)
          .withLeaseDuration(LEASE)
          .withDispatchInterval(Duration.ofMillis(200));
  private final List<ScriptedLauncher> launchers = new ArrayList<>();
  private final List<BuildAdmission> replicas = new ArrayList<>();
  private final ScheduledExecutorService driver = Executors.newScheduledThreadPool(2);
  private RedissonClient doomedClient;

  @AfterEach
  void tearDown() {
    driver.shutdownNow();
    replicas.forEach(BuildAdmission::close);
  }

  private BuildAdmission replica(RedissonClient client) {
    ScriptedLauncher launcher = new ScriptedLauncher();
    JobStores stores = RedisJobStores.create(client, config, Clock.systemUTC());
    BuildAdmission admission =
        BuildAdmission.create(jobs, stores, launcher, Clock.systemUTC(), new SimpleMeterRegistry());
    admission.startDispatcher();
    launchers.add(launcher);
    replicas.add(admission);
    return admission;
  }

  @Test
  void killedReplicaNeverLetsMoreThanTheLimitRunAndEveryAcceptedBuildRunsOnce() throws Exception {
    RedissonClient shared = JobsRedis.cluster();
    doomedClient = JobsRedis.patient(SharedClients.clusterConfig());
    replica(shared);
    replica(shared);
    BuildAdmission doomed = replica(doomedClient);
    JobStores observer = RedisJobStores.create(shared, config, Clock.systemUTC());

    // Given the active count sampled throughout
    AtomicInteger peakActive = new AtomicInteger();
    AtomicReference<Throwable> samplingError = new AtomicReference<>();
    driver.scheduleWithFixedDelay(() -> {
      try {
        int active = observer.slots().active(NS).get(5, TimeUnit.SECONDS);
        peakActive.accumulateAndGet(active, Math::max);
      } catch (Exception e) {
        samplingError.compareAndSet(null, e);
      }
    }, 0, 10, TimeUnit.MILLISECONDS);

    // When 50 builds are started at once, spread over the three replicas
    List<CompletableFuture<AdmissionResult>> starts = new ArrayList<>();
    for (int i = 0; i < BUILDS; i++) {
      BuildRequest request = BuildRequest.of("parser-" + i).fromThirdParty("customer-" + (i % 4));
      starts.add(replicas.get(i % 3).start(request));
    }
    List<String> accepted = new ArrayList<>();
    for (var start : starts) {
      AdmissionResult result = start.get(30, TimeUnit.SECONDS);
      assertThat(result).isInstanceOfAny(AdmissionResult.Started.class, AdmissionResult.Queued.class);
      accepted.add(result instanceof AdmissionResult.Started s ? s.build().id() : ((AdmissionResult.Queued) result).build().id());
    }

    // and builds end one by one, but the doomed replica's no longer once it is dead
    AtomicBoolean doomedAlive = new AtomicBoolean(true);
    driver.scheduleWithFixedDelay(() -> {
      for (ScriptedLauncher launcher : doomedAlive.get() ? launchers : launchers.subList(0, 2)) {
        List<Build> running = launcher.running();
        if (!running.isEmpty()) {
          launcher.succeed(running.get(0));
        }
      }
    }, 50, 40, TimeUnit.MILLISECONDS);

    // and the third replica dies once a fifth of the builds have started
    await().atMost(Duration.ofSeconds(30)).until(() -> launched() >= BUILDS / 5 + LIMIT);
    // holding a queue entry it claimed but never started (it dies between claim and ack)
    var lostClaim = RedisJobStores.create(doomedClient, config, Clock.systemUTC()).queue()
        .claim(NS, "doomed-dispatcher", LEASE, SlotLimits.ofNamespace(100)).get(10, TimeUnit.SECONDS).orElseThrow();
    doomedAlive.set(false);
    doomedClient.shutdown(0, 0, TimeUnit.SECONDS);
    doomed.close();
    List<Build> orphaned = launchers.get(2).running();

    // Then every accepted build runs, and the queue and slots empty out
    await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(100)).until(() ->
        launched() >= BUILDS
            && observer.queue().depth(NS).join() == 0
            && observer.slots().active(NS).join() == 0
            && allFinished(observer, accepted));

    assertThat(samplingError.get()).isNull();
    assertThat(peakActive.get()).isBetween(1, LIMIT);
    Map<String, Integer> runs = new HashMap<>();
    launchers.forEach(l -> l.launched().forEach(b -> runs.merge(b.id(), 1, Integer::sum)));
    assertThat(runs.keySet()).containsExactlyInAnyOrderElementsOf(accepted);
    assertThat(runs.values()).allMatch(n -> n == 1);
    // the dead replica's leases were reaped by a live one: its running builds ended as failed
    for (Build build : orphaned) {
      Build record = observer.records().get(build.id()).join().orElseThrow();
      assertThat(record.state()).isEqualTo(BuildState.FAILED);
      assertThat(record.failureReason()).contains(Dispatcher.LEASE_EXPIRED);
    }
    // the entry it had claimed was taken over and started by a live replica
    assertThat(launchers.subList(0, 2).stream().flatMap(l -> l.launched().stream()).map(Build::id))
        .contains(lostClaim.entry().buildId());
    // and no entry is left pending on any consumer, the dead one's included
    String stream = config.keyPrefix() + "jobs:{jobs}:ns:" + NS + ":queue";
    Long pending = shared.getScript(StringCodec.INSTANCE).eval(stream, RScript.Mode.READ_ONLY,
        "return redis.call('XPENDING', KEYS[1], 'dispatchers')[1]", RScript.ReturnType.LONG, List.of(stream));
    assertThat(pending).isZero();
  }

  private int launched() {
    return launchers.stream().mapToInt(l -> l.launched().size()).sum();
  }

  private static boolean allFinished(JobStores stores, List<String> ids) {
    for (String id : ids) {
      var record = stores.records().get(id).join();
      if (record.isEmpty() || record.get().state().isActive()) {
        return false;
      }
    }
    return true;
  }
}
