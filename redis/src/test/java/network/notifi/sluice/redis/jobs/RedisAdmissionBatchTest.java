package network.notifi.sluice.redis.jobs;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.MutableClock;
import network.notifi.sluice.jobs.spi.AdmissionAttempt;
import network.notifi.sluice.jobs.spi.AdmissionStep;
import network.notifi.sluice.jobs.spi.AdmissionStep.Queued;
import network.notifi.sluice.jobs.spi.AdmissionStep.SlotTaken;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.SlotLimits;
import network.notifi.sluice.redis.RedisConfig;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.RedisServers;
import network.notifi.sluice.redis.testing.Resp;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/**
 * How the Redis admission store carries concurrent starts: those that arrive while a call is in
 * flight go together in the next call, in arrival order, with the answers one call per start would
 * give. The server is a process of this test's own, stopped ({@code SIGSTOP}) while the starts
 * arrive, so which starts wait for which call does not depend on timing; its command statistics count
 * the calls.
 */
class RedisAdmissionBatchTest {

  private static final Duration LEASE = Duration.ofSeconds(30);
  private static final String NS = "builds";
  private static final Pattern SCRIPT_CALLS = Pattern.compile("(?m)^cmdstat_eval(?:sha)?:calls=(\\d+),");

  private final RedisServer server = RedisServers.newStandalone();
  private final MutableClock clock = new MutableClock();
  private RedisConfig config;
  private RedissonClient client;
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
  private JobStores stores;

  @BeforeEach
  void open() {
    config = JobsRedis.config(getClass())
        .withServers(RedisConfig.Mode.STANDALONE, List.of(server.hostAndPort()));
    client = JobsRedis.patient(config);
    stores = RedisJobStores.create(client, config, clock, registry);
    // Loads the script and opens the connection, so every start below is one EVALSHA.
    admit(build("warm-up"), 100).join();
  }

  @AfterEach
  void close() {
    server.thaw();
    stores.close();
    client.shutdown();
    server.kill();
  }

  private Build build(String parser) {
    return Build.queued(UUID.randomUUID().toString(), parser, NS, Optional.empty(), clock.instant());
  }

  private CompletableFuture<AdmissionStep> admit(Build build, int limit) {
    return stores.admissions().admit(
        new AdmissionAttempt(build, SlotLimits.ofNamespace(limit), true, true, 100, LEASE, Duration.ofHours(1)));
  }

  private long scriptCalls() {
    Matcher stat = SCRIPT_CALLS.matcher(Resp.string(server.port(), "INFO", "commandstats"));
    return stat.results().mapToLong(m -> Long.parseLong(m.group(1))).sum();
  }

  @Test
  void startsThatArriveWhileACallIsInFlightGoTogetherInOrderWithTheAnswersOfOneCallEach() {
    long before = scriptCalls();
    List<CompletableFuture<AdmissionStep>> answers = new ArrayList<>();
    server.freeze();
    for (int i = 0; i < 40; i++) {
      answers.add(admit(build("parser-" + i), 4));
    }
    server.thaw();
    List<AdmissionStep> steps = answers.stream().map(CompletableFuture::join).toList();

    // The warm-up's build holds one of the four slots.
    assertThat(steps.subList(0, 3)).containsExactly(new SlotTaken(2), new SlotTaken(3), new SlotTaken(4));
    for (int i = 3; i < 40; i++) {
      assertThat(steps.get(i)).isEqualTo(new Queued(i - 2, i - 2));
    }
    assertThat(stores.slots().active(NS).join()).isEqualTo(4);
    // The first start went alone; the 39 that waited for it went in calls of at most MAX_BATCH.
    int batches = (39 + RedisAdmissionStore.MAX_BATCH - 1) / RedisAdmissionStore.MAX_BATCH;
    assertThat(scriptCalls() - before).isEqualTo(1 + batches).isLessThan(40);
    // and the replica's metric tells the same, the warm-up's call included
    DistributionSummary startsPerCall = registry.get("jobs_admission_starts_per_call").summary();
    assertThat(startsPerCall.count()).isEqualTo(2 + batches);
    assertThat(startsPerCall.totalAmount()).isEqualTo(41);
    assertThat(startsPerCall.max()).isEqualTo(RedisAdmissionStore.MAX_BATCH);
  }

  @Test
  void aStartCancelledBeforeItsCallWasSentIsNeverApplied() {
    long before = scriptCalls();
    server.freeze();
    CompletableFuture<AdmissionStep> first = admit(build("parser-a"), 10);
    Build given = build("parser-b");
    CompletableFuture<AdmissionStep> givenUp = admit(given, 10);
    CompletableFuture<AdmissionStep> last = admit(build("parser-c"), 10);
    givenUp.cancel(false);
    server.thaw();

    assertThat(first.join()).isEqualTo(new SlotTaken(2));
    assertThat(last.join()).isEqualTo(new SlotTaken(3));
    assertThat(stores.records().get(given.id()).join()).isEmpty();
    assertThat(admit(build("parser-b"), 10).join()).isEqualTo(new SlotTaken(4));
    assertThat(scriptCalls() - before).isEqualTo(3);
  }

  @Test
  void aStartWhoseStepFailsDoesNotFailTheOthersSentWithIt() {
    // A backoff window of the wrong type: reading it fails that start's step with WRONGTYPE.
    Resp.call(server.port(), "RPUSH", new JobKeys(config.keyPrefix()).backoff(NS, "parser-broken"), "x");
    long before = scriptCalls();
    server.freeze();
    CompletableFuture<AdmissionStep> first = admit(build("parser-a"), 10);
    CompletableFuture<AdmissionStep> broken = admit(build("parser-broken"), 10);
    CompletableFuture<AdmissionStep> after = admit(build("parser-c"), 10);
    server.thaw();

    assertThat(first.join()).isEqualTo(new SlotTaken(2));
    assertThatThrownBy(broken::join).isInstanceOf(CompletionException.class).hasMessageContaining("WRONGTYPE");
    assertThat(after.join()).isEqualTo(new SlotTaken(3));
    assertThat(scriptCalls() - before).isEqualTo(2);
  }
}
