package network.notifi.sluice.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Limit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigLoaderTest {

  @Test
  void noFileAndNoEnvironmentGivesTheSeedDefaults() {
    var config = ConfigLoader.load(Optional.empty(), Map.of());

    assertThat(config.limiter().global()).isEqualTo(Limit.of(100, 200));
    assertThat(config.limiter().endpoints()).containsExactly(Map.entry("build.start", Limit.of(50, 100)));
    assertThat(config.limiter().thirdParty()).isEqualTo(Limit.of(10, 20));
    assertThat(config.limiter().anonymous()).isEqualTo(AnonymousPolicy.SKIP);
    assertThat(config.rateLimiting().maxConcurrentJobs()).isEqualTo(10);
    assertThat(config.rateLimiting().failureBackoffPeriod()).isEqualTo(Duration.ofMinutes(5));
    assertThat(config.rateLimiting().maxRetries()).isEqualTo(3);
    assertThat(config.rateLimiting().retryBaseDelay()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.server().port()).isEqualTo(8080);
    assertThat(config.server().maxBodyBytes()).isEqualTo(1_048_576);
  }

  @Test
  void theSeedsFileLoadsAsWritten(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("sluice.yaml");
    Files.writeString(file, """
        rate_limiting:
          # Global limits
          global_rps: 100
          global_burst: 200
          build_start_rps: 50
          build_start_burst: 100
          third_party_rps: 10
          third_party_burst: 20
          max_concurrent_jobs: 10
          failure_backoff_period: 5m
          max_retries: 3
          retry_base_delay: 100ms
        """);

    var config = ConfigLoader.load(Optional.of(file), Map.of());

    assertThat(config.limiter().global()).isEqualTo(Limit.of(100, 200));
    assertThat(config.rateLimiting().retryBaseDelay()).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void fileValuesAndOtherEndpointsAreRead() {
    var config = ConfigLoader.loadYaml("""
        rate_limiting:
          global_rps: 7
          global_burst: 9
          third_party_shadow: true
          anonymous: shared
        endpoints:
          builds.status:
            rps: 5
            burst: 10
        server:
          port: 0
        """, Map.of());

    assertThat(config.limiter().global()).isEqualTo(Limit.of(7, 9));
    assertThat(config.limiter().thirdParty().shadow()).isTrue();
    assertThat(config.limiter().anonymous()).isEqualTo(AnonymousPolicy.SHARED);
    assertThat(config.limiter().endpoints()).containsEntry("builds.status", Limit.of(5, 10));
    assertThat(config.server().port()).isZero();
  }

  @Test
  void environmentOverridesTheFile() {
    var config = ConfigLoader.loadYaml("""
        rate_limiting:
          global_rps: 7
        endpoints:
          builds.status: {rps: 5, burst: 10}
        """,
        Map.of(
            "SLUICE_RATE_LIMITING_GLOBAL_RPS", "300",
            "SLUICE_RATE_LIMITING_FAILURE_BACKOFF_PERIOD", "2m",
            "SLUICE_ENDPOINTS_BUILDS_STATUS_BURST", "11",
            "SLUICE_PORT", "8081"));

    assertThat(config.limiter().global().ratePerSecond()).isEqualTo(300);
    assertThat(config.rateLimiting().failureBackoffPeriod()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.limiter().endpoints().get("builds.status")).isEqualTo(Limit.of(5, 11));
    assertThat(config.server().port()).isEqualTo(8081);
  }

  @Test
  void fullFormOfThePortVariableWinsOverTheShortForm() {
    var config = ConfigLoader.load(Optional.empty(), Map.of("SLUICE_PORT", "8081", "SLUICE_SERVER_PORT", "8082"));

    assertThat(config.server().port()).isEqualTo(8082);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      rate_limiting: {global_rps: -5}          | rate_limiting.global_rps = -5: must be >= 1
      rate_limiting: {global_burst: 0}         | rate_limiting.global_burst = 0: must be >= 1
      rate_limiting: {third_party_rps: ten}    | rate_limiting.third_party_rps = ten: must be a whole number
      rate_limiting: {failure_backoff_period: 5 minutes} | rate_limiting.failure_backoff_period = 5 minutes: must be a duration like 100ms, 30s, 5m, 1h or 2d
      rate_limiting: {globl_rps: 5}            | unknown configuration key rate_limiting.globl_rps
      ratelimiting: {global_rps: 5}            | unknown configuration key ratelimiting.global_rps
      rate_limiting: {anonymous: everyone}     | rate_limiting.anonymous = everyone: must be one of skip, shared
      rate_limiting: {global_shadow: maybe}    | rate_limiting.global_shadow = maybe: must be true or false
      server: {port: 70000}                    | server.port = 70000: must be <= 65535
      endpoints: {builds.status: {rps: 5}}     | endpoints."builds.status".burst is required
      endpoints: {build.start: {rps: 5, burst: 5}} | endpoints."build.start" contradicts rate_limiting.build_start_rps/_burst: configure build.start in one place
      endpoints: {Bad Name: {rps: 5, burst: 5}}    | endpoints.Bad Name: endpoint names must match [a-z0-9][a-z0-9._-]{0,62}
      rate_limiting: {global_rps: {a: 1}}      | rate_limiting.global_rps = {"a":1}: must be a single value
      redis: {mode: sentinel}                  | redis.mode = sentinel: must be one of none, standalone, cluster
      redis: {mode: cluster}                   | redis.addresses must not be empty when redis.mode is cluster
      redis: {mode: standalone, addresses: [a:1, b:2]} | redis.addresses must hold one address when redis.mode is standalone, was 2
      redis: {mode: cluster, addresses: [localhost]}   | redis.addresses must be host:port, was 'localhost'
      jobs: {on_capacity: drop}                | jobs.on_capacity = drop: must be one of queue, reject
      jobs: {launcher: docker}                 | jobs.launcher = docker: must be one of local, kubernetes
      jobs: {default_namespace: Bad_NS}        | jobs.default_namespace must be a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit), was "Bad_NS"
      """)
  void invalidConfigurationNamesTheKeyTheValueAndTheRule(String yaml, String message) {
    assertThatThrownBy(() -> ConfigLoader.loadYaml(yaml, Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  @Test
  void redisAddressesComeAsAYamlListOrACommaSeparatedVariable() {
    var fromFile = ConfigLoader.loadYaml("redis: {mode: cluster, addresses: [10.0.0.1:7001, 10.0.0.2:7002]}", Map.of());
    var fromEnv = ConfigLoader.load(Optional.empty(), Map.of(
        "SLUICE_REDIS_MODE", "cluster", "SLUICE_REDIS_ADDRESSES", "10.0.0.1:7001, 10.0.0.2:7002"));

    assertThat(fromFile.redis().addresses()).containsExactly("10.0.0.1:7001", "10.0.0.2:7002");
    assertThat(fromEnv.redis()).isEqualTo(fromFile.redis());
  }

  @Test
  void jobsSettingsAreRead() {
    var config = ConfigLoader.loadYaml("""
        rate_limiting: {max_concurrent_jobs: 4, failure_backoff_period: 30s}
        jobs:
          on_capacity: reject
          namespace_limits: {builds-large: 20}
          local: {command: ./build.sh, timeout: 2m}
        """, Map.of());

    var jobs = config.jobs().admission();
    assertThat(jobs.limitFor("default")).isEqualTo(4);
    assertThat(jobs.limitFor("builds-large")).isEqualTo(20);
    assertThat(jobs.failureBackoffPeriod()).isEqualTo(Duration.ofSeconds(30));
    assertThat(jobs.onCapacity()).isEqualTo(network.notifi.sluice.jobs.OnCapacity.REJECT);
    assertThat(jobs.local().command()).isEqualTo("./build.sh");
    assertThat(config.jobs().launcher()).isEqualTo(SluiceConfig.Launcher.LOCAL);
  }

  @Test
  void invalidEnvironmentValueNamesTheVariable() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_RATE_LIMITING_GLOBAL_BURST", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("rate_limiting.global_burst = 0 (from SLUICE_RATE_LIMITING_GLOBAL_BURST): must be >= 1");
  }

  @Test
  void kubernetesServiceLinkInThePortVariableIsExplained() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_PORT", "tcp://10.0.0.7:8080")))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("server.port = tcp://10.0.0.7:8080 (from SLUICE_SERVER_PORT): must be a whole number")
        .hasMessageContaining("enableServiceLinks: false");
  }

  @Test
  void missingFileAndBrokenYamlAreReported(@TempDir Path dir) throws Exception {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(dir.resolve("nope.yaml")), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageEndingWith("nope.yaml does not exist");

    Path broken = dir.resolve("broken.yaml");
    Files.writeString(broken, "rate_limiting:\n  global_rps: [1,\n");
    assertThatThrownBy(() -> ConfigLoader.load(Optional.of(broken), Map.of()))
        .isInstanceOf(ConfigException.class)
        .hasMessageContaining("broken.yaml is not valid YAML at line");
  }

  @ParameterizedTest(name = "{0} = {1}")
  @CsvSource({"100ms, 100", "30s, 30000", "5m, 300000", "1h, 3600000", "2d, 172800000"})
  void durationsInTheSeedsUnits(String text, long millis) {
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    assertThat(Durations.parse(Durations.format(Duration.ofMillis(millis)))).isEqualTo(Duration.ofMillis(millis));
  }
}
