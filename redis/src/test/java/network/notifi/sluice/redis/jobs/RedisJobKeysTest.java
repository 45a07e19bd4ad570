package network.notifi.sluice.redis.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.spi.JobStores;
import network.notifi.sluice.jobs.spi.QueuedBuild;
import network.notifi.sluice.jobs.spi.SlotLimits;
import network.notifi.sluice.redis.RedisConfig;
import org.junit.jupiter.api.Test;
import org.redisson.api.RedissonClient;

/** The key layout is the documented one, readable with {@code redis-cli --scan}, with TTLs where promised. */
class RedisJobKeysTest {

  private final RedissonClient client = JobsRedis.standalone();
  private final RedisConfig config = JobsRedis.config(RedisJobKeysTest.class);
  private final JobStores stores = RedisJobStores.create(client, config, Clock.systemUTC());

  @Test
  void everyKeyAScriptTouchesCarriesTheJobsHashTagAndTransientStateExpires() {
    Instant now = Instant.now();
    stores.slots().acquire("ns-a", "b1", Optional.of("customer-1"), SlotLimits.ofNamespace(10), Duration.ofSeconds(30))
        .join();
    stores.queue().enqueue(new QueuedBuild("b2", "ns-a", "p2", Optional.of("customer-1"), now), 100).join();
    stores.backoffs().recordFailure("ns-a", "p1", Duration.ofHours(2)).join();
    stores.backoffs().open("ns-a", "p1", now.plus(Duration.ofMinutes(5))).join();
    stores.records().put(Build.queued("b1", "p1", "ns-a", Optional.empty(), now), Duration.ofHours(24)).join();
    stores.records().claimActive("ns-a", "p1", "b1", Duration.ofHours(24)).join();

    String p = config.keyPrefix() + "jobs:";
    Set<String> keys = new HashSet<>();
    client.getKeys().getKeysByPattern(config.keyPrefix() + "*").forEach(keys::add);

    assertThat(keys).containsExactlyInAnyOrder(
        p + "{jobs}:ns:ns-a:slots",
        p + "{jobs}:ns:ns-a:queue",
        p + "{jobs}:ns:ns-a:queue:ids",
        p + "{jobs}:ns:ns-a:queue:ring",
        p + "{jobs}:ns:ns-a:queue:line:customer-1",
        p + "{jobs}:ns:ns-a:backoff:p1",
        p + "{jobs}:ns:ns-a:failures:p1",
        p + "{jobs}:ns:ns-a:build:b1",
        p + "{jobs}:ns:ns-a:active:p1",
        p + "{jobs}:caps:leases",
        p + "{jobs}:caps:lines",
        p + "{jobs}:caps:line:customer-1",
        p + "{jobs}:build-ns:b1",
        p + "namespaces:slots");
    assertThat(client.getKeys().getType(p + "{jobs}:ns:ns-a:slots").name()).isEqualTo("ZSET");
    assertThat(client.getKeys().getType(p + "{jobs}:ns:ns-a:queue").name()).isEqualTo("STREAM");
    assertThat(client.getKeys().getType(p + "{jobs}:ns:ns-a:build:b1").name()).isEqualTo("MAP");
    for (String expiring : new String[] {"{jobs}:ns:ns-a:backoff:p1", "{jobs}:ns:ns-a:failures:p1", "{jobs}:ns:ns-a:build:b1",
        "{jobs}:ns:ns-a:active:p1", "{jobs}:build-ns:b1"}) {
      assertThat(client.getKeys().remainTimeToLive(p + expiring)).as(expiring).isPositive();
    }
    assertThat(client.getKeys().remainTimeToLive(p + "{jobs}:ns:ns-a:backoff:p1"))
        .isBetween(Duration.ofMinutes(4).toMillis(), Duration.ofMinutes(5).toMillis());
  }
}
