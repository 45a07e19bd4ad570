package network.notifi.sluice.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.List;
import network.notifi.sluice.redis.RedisConfig.FailureMode;
import network.notifi.sluice.redis.RedisConfig.Mode;
import org.junit.jupiter.api.Test;
import org.redisson.config.ReadMode;

class RedisConfigTest {

  private final RedisConfig defaults = RedisConfig.defaults();

  @Test
  void hotKeyLeasesAreOffOrHoldAtLeastTwoTokens() {
    assertThat(RedisConfig.defaults().hotKeyLeases().enabled()).isFalse();
    assertThat(new RedisConfig.HotKeyLeaseConfig(2, Duration.ofMillis(100)).enabled()).isTrue();
    assertThatThrownBy(() -> new RedisConfig.HotKeyLeaseConfig(1, Duration.ofMillis(100)))
        .hasMessageContaining("redis.hot_key_leases.tokens");
    assertThatThrownBy(() -> new RedisConfig.HotKeyLeaseConfig(10, Duration.ZERO))
        .hasMessageContaining("redis.hot_key_leases.max_age");
  }

  @Test
  void defaultsAreTheEmbeddedModeWithLocalFallback() {
    assertThat(defaults.mode()).isEqualTo(Mode.NONE);
    assertThat(defaults.addresses()).isEmpty();
    assertThat(defaults.keyPrefix()).isEqualTo("sluice:");
    assertThat(defaults.failureMode()).isEqualTo(FailureMode.LOCAL);
    assertThat(defaults.tls()).isFalse();
    assertThat(defaults.password()).isEmpty();
  }

  @Test
  void clusterWithoutAddressesIsRefused() {
    assertThatThrownBy(() -> defaults.withServers(Mode.CLUSTER, List.of()))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("redis.addresses must not be empty when redis.mode is cluster");
  }

  @Test
  void standaloneTakesOneAddress() {
    assertThatThrownBy(() -> defaults.withServers(Mode.STANDALONE, List.of("a:1", "b:2")))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("redis.addresses must hold one address when redis.mode is standalone, was 2");
  }

  @Test
  void addressesMustBeHostAndPort() {
    assertThatThrownBy(() -> defaults.withServers(Mode.CLUSTER, List.of("redis-0")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redis.addresses must be host:port, was 'redis-0'");
    assertThatThrownBy(() -> defaults.withServers(Mode.CLUSTER, List.of("redis-0:70000")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redis.addresses port must be 1..65535, was 'redis-0:70000'");
  }

  @Test
  void keyPrefixMayNotHoldHashTagsOrGlobs() {
    assertThatThrownBy(() -> defaults.withKeyPrefix("a{b}:"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redis.key_prefix may hold only letters, digits, '.', '_', ':' and '-', was 'a{b}:'");
  }

  @Test
  void heartbeatTtlMustOutliveTheInterval() {
    assertThatThrownBy(() -> defaults.withHeartbeat(Duration.ofSeconds(5), Duration.ofSeconds(5)))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage("redis.heartbeat_ttl (PT5S) must be longer than redis.heartbeat_interval (PT5S)");
  }

  @Test
  void timeoutsMustBePositive() {
    assertThatThrownBy(() -> defaults.withTimeouts(Duration.ZERO, Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redis.command_timeout must be a positive duration, was PT0S");
  }

  @Test
  void enumsParseCaseInsensitivelyAndNameTheKey() {
    assertThat(Mode.parse("Cluster")).isEqualTo(Mode.CLUSTER);
    assertThat(FailureMode.parse("closed")).isEqualTo(FailureMode.CLOSED);
    assertThatThrownBy(() -> FailureMode.parse("fail-open"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("redis.failure_mode must be one of local, open, closed, was 'fail-open'");
    assertThatThrownBy(() -> Mode.parse("sentinel"))
        .hasMessage("redis.mode must be one of none, standalone, cluster, was 'sentinel'");
  }

  @Test
  void addressListParsesCommaSeparatedValues() {
    assertThat(RedisConfig.parseAddresses(" a:1, b:2 ,,")).containsExactly("a:1", "b:2");
    assertThat(RedisConfig.parseAddresses("")).isEmpty();
  }

  @Test
  void passwordIsNeverPrinted() {
    var config = new RedisConfig(Mode.STANDALONE, List.of("h:1"), "s3cret", true, Duration.ofSeconds(1),
        Duration.ofSeconds(1), Duration.ofSeconds(1), 8, "sluice:", FailureMode.LOCAL, Duration.ofSeconds(1),
        Duration.ofSeconds(3), Duration.ofSeconds(10), RedisConfig.HotKeyLeaseConfig.off());
    assertThat(config.toString()).doesNotContain("s3cret").contains("password=(set)");
  }

  @Test
  void clientConfigReadsFromMastersOnly() {
    var redisson = RedisClients.toRedisson(defaults.withServers(Mode.CLUSTER, List.of("127.0.0.1:7000")));
    assertThat(redisson.useClusterServers().getReadMode()).isEqualTo(ReadMode.MASTER);
    assertThatThrownBy(() -> RedisClients.toRedisson(defaults))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("redis.mode is none");
  }
}
