package network.notifi.sluice.api.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.jobs.OnCapacity;
import network.notifi.sluice.jobs.spi.SlotLimits;
import network.notifi.sluice.limiter.AnonymousPolicy;
import network.notifi.sluice.limiter.Limit;
import network.notifi.sluice.limiter.LimiterConfig;
import network.notifi.sluice.redis.RedisConfig;
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
  void fileValuesAreRead() {
    var config = ConfigLoader.loadYaml("""
        rate_limiting:
          global_rps: 7
          global_burst: 9
          third_party_shadow: true
          anonymous: shared
        server:
          port: 0
        """, Map.of());

    assertThat(config.limiter().global()).isEqualTo(Limit.of(7, 9));
    assertThat(config.limiter().thirdParty().shadow()).isTrue();
    assertThat(config.limiter().anonymous()).isEqualTo(AnonymousPolicy.SHARED);
    assertThat(config.server().port()).isZero();
  }

  @Test
  void environmentOverridesTheFile() {
    var config = ConfigLoader.loadYaml("""
        rate_limiting:
          global_rps: 7
        jobs:
          namespace_limits: {builds-large: 20}
        """,
        Map.of(
            "SLUICE_RATE_LIMITING_GLOBAL_RPS", "300",
            "SLUICE_RATE_LIMITING_FAILURE_BACKOFF_PERIOD", "2m",
            "SLUICE_JOBS_NAMESPACE_LIMITS_BUILDS_LARGE", "30",
            "SLUICE_PORT", "8081"));

    assertThat(config.limiter().global().ratePerSecond()).isEqualTo(300);
    assertThat(config.rateLimiting().failureBackoffPeriod()).isEqualTo(Duration.ofMinutes(2));
    assertThat(config.jobs().admission().limitFor("builds-large")).isEqualTo(30);
    assertThat(config.server().port()).isEqualTo(8081);
  }

  @Test
  void defaultsAreTheRecordsOwn() {
    var config = ConfigLoader.load(Optional.empty(), Map.of());

    assertThat(config.limiter()).isEqualTo(LimiterConfig.defaults());
    assertThat(config.server()).isEqualTo(SluiceConfig.Server.defaults());
    assertThat(config.logging()).isEqualTo(SluiceConfig.Logging.defaults());
    assertThat(config.rateLimiting()).isEqualTo(SluiceConfig.RateLimiting.defaults());
    assertThat(config.jobs()).isEqualTo(SluiceConfig.Jobs.defaults());
    assertThat(config.redis()).isEqualTo(RedisConfig.defaults());
    assertThat(config.identity()).isEqualTo(SluiceConfig.Identity.defaults());
  }

  @Test
  void theDocumentedRetryMaxDelayParses() {
    var config = ConfigLoader.loadYaml("k8s: {resilience: {retry_max_delay: 3.2s}}", Map.of());

    assertThat(config.jobs().kubernetes().resilience().retryMaxDelay()).isEqualTo(Duration.ofMillis(3200));
  }

  @Test
  void aMisspelledVariableIsWarnedAboutWithTheClosestSetting() {
    List<String> warnings = new ArrayList<>();
    ConfigLoader.load(Optional.empty(), Map.of(
        "SLUICE_RATE_LIMITING_GLOBAL_RSP", "5",
        "SLUICE_RATE_LIMITING_GLOBAL_BURST", "5",
        "SLUICE_CONFIG", "",
        "SLUICE_SERVICE_HOST", "10.0.0.7",
        "HOME", "/root"), warnings::add);

    assertThat(warnings).containsExactly(
        "SLUICE_RATE_LIMITING_GLOBAL_RSP is not a Sluice setting and is ignored;"
            + " did you mean SLUICE_RATE_LIMITING_GLOBAL_RPS?");
  }

  @Test
  void runtimeLimitsTakeTheFilesKeysAndKeepWhatIsLeftOut() throws Exception {
    var json = new ObjectMapper().readTree("{\"rate_limiting\": {\"global_rps\": 7, \"build_start_shadow\": true}}");

    var limits = ConfigLoader.limits(json, LimiterConfig.defaults());

    assertThat(limits.global()).isEqualTo(Limit.of(7, 200));
    assertThat(limits.endpoints().get("build.start")).isEqualTo(new Limit(50, 100, true));
    assertThat(limits.thirdParty()).isEqualTo(LimiterConfig.defaults().thirdParty());
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      {"rate_limiting": {"global_burst": 0}}          | rate_limiting.global_burst = 0: burst must be >= 1, was 0
      {"rate_limiting": {"global_rps": "x"}}          | rate_limiting.global_rps = x: must be a whole number
      {"rate_limiting": {"max_concurrent_jobs": 5}}   | rate_limiting.max_concurrent_jobs cannot be changed at runtime; rate_limiting.global_rps, global_burst, global_shadow, build_start_rps, build_start_burst, build_start_shadow, third_party_rps, third_party_burst, third_party_shadow, anonymous can
      [1, 2]                                          | limits must be a JSON object like {"rate_limiting": {"global_rps": 100}}
      """)
  void invalidRuntimeLimitsAreRefusedWithTheFilesMessages(String json, String message) throws Exception {
    var tree = new ObjectMapper().readTree(json);

    assertThatThrownBy(() -> ConfigLoader.limits(tree, LimiterConfig.defaults()))
        .isInstanceOf(ConfigException.class)
        .hasMessage(message);
  }

  @Test
  void fullFormOfThePortVariableWinsOverTheShortForm() {
    var config = ConfigLoader.load(Optional.empty(), Map.of("SLUICE_PORT", "8081", "SLUICE_SERVER_PORT", "8082"));

    assertThat(config.server().port()).isEqualTo(8082);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', textBlock = """
      rate_limiting: {global_rps: -5}          | rate_limiting.global_rps = -5: rate must be >= 1 per second, was -5
      rate_limiting: {global_burst: 0}         | rate_limiting.global_burst = 0: burst must be >= 1, was 0
      rate_limiting: {third_party_rps: ten}    | rate_limiting.third_party_rps = ten: must be a whole number
      rate_limiting: {failure_backoff_period: 5 minutes} | rate_limiting.failure_backoff_period = 5 minutes: must be a duration like 100ms, 3.2s, 5m, 1h or 2d
      rate_limiting: {globl_rps: 5}            | unknown configuration key rate_limiting.globl_rps
      ratelimiting: {global_rps: 5}            | unknown configuration key ratelimiting.global_rps
      rate_limiting: {anonymous: everyone}     | rate_limiting.anonymous = everyone: must be one of skip, shared
      rate_limiting: {global_shadow: maybe}    | rate_limiting.global_shadow = maybe: must be true or false
      server: {port: 70000}                    | server.port must be 0..65535, was 70000
      endpoints: {builds.status: {rps: 5, burst: 10}} | endpoints: /events handles build.start only, whose limit is rate_limiting.build_start_rps/_burst; other endpoints cannot be configured
      k8s: {resilience: {jitter_percent: 100}} | k8s.resilience.jitter_percent must be >= 0 and < 100, was 100
      k8s: {resilience: {breaker_failure_rate_percent: 0}} | k8s.resilience.breaker_failure_rate_percent must be > 0 and <= 100, was 0
      k8s: {resilience: {retry_max_delay: 50ms}} | k8s.resilience.retry_max_delay (PT0.05S) must be >= rate_limiting.retry_base_delay (PT0.1S)
      k8s: {ttl_after_finished: 0s}            | k8s.ttl_after_finished must be at least 1s, was PT0S
      jobs: {queue_max_depth: 0}               | jobs.queue_max_depth must be >= 1, was 0
      jobs: {max_concurrent_total: -1}         | jobs.max_concurrent_total must be >= 0, was -1
      jobs: {max_concurrent_per_third_party: -2} | jobs.max_concurrent_per_third_party must be >= 0, was -2
      jobs: {max_concurrent_total: 2, max_concurrent_per_third_party: 3} | jobs.max_concurrent_per_third_party (3) must be <= jobs.max_concurrent_total (2): a third party can never run more than the total
      logging: {refusal_window: 500ms}         | logging.refusal_window must be >= 1s, was 500ms
      rate_limiting: {max_retries: 3000000000} | rate_limiting.max_retries = 3000000000: must be a whole number from -2147483648 to 2147483647
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
  void theCapsAcrossNamespacesAreOffByDefaultAndSetByFileOrVariable() {
    var defaults = ConfigLoader.load(Optional.empty(), Map.of()).jobs().admission();
    var fromFile = ConfigLoader.loadYaml("jobs: {max_concurrent_total: 40, max_concurrent_per_third_party: 5}", Map.of())
        .jobs().admission();
    var fromEnv = ConfigLoader.load(Optional.empty(), Map.of(
        "SLUICE_JOBS_MAX_CONCURRENT_TOTAL", "40", "SLUICE_JOBS_MAX_CONCURRENT_PER_THIRD_PARTY", "5")).jobs().admission();

    assertThat(defaults.maxConcurrentTotal()).isZero();
    assertThat(defaults.maxConcurrentPerThirdParty()).isZero();
    assertThat(defaults.hasCaps()).isFalse();
    assertThat(fromFile.slotLimits("default")).isEqualTo(new SlotLimits(10, 40, 5));
    assertThat(fromEnv).isEqualTo(fromFile);
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
    assertThat(jobs.onCapacity()).isEqualTo(OnCapacity.REJECT);
    assertThat(jobs.local().command()).isEqualTo("./build.sh");
    assertThat(config.jobs().launcher()).isEqualTo(SluiceConfig.Launcher.LOCAL);
  }

  @Test
  void invalidEnvironmentValueNamesTheVariable() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_RATE_LIMITING_GLOBAL_BURST", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("rate_limiting.global_burst = 0 (from SLUICE_RATE_LIMITING_GLOBAL_BURST): burst must be >= 1, was 0");
  }

  @Test
  void aRecordsRuleBrokenByAVariableNamesTheVariable() {
    assertThatThrownBy(() -> ConfigLoader.load(Optional.empty(), Map.of("SLUICE_JOBS_QUEUE_MAX_DEPTH", "0")))
        .isInstanceOf(ConfigException.class)
        .hasMessage("jobs.queue_max_depth must be >= 1, was 0 (from SLUICE_JOBS_QUEUE_MAX_DEPTH)");
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
  @CsvSource({"100ms, 100", "30s, 30000", "3.2s, 3200", "1.5m, 90000", "5m, 300000", "1h, 3600000", "2d, 172800000"})
  void durationsInTheSeedsUnits(String text, long millis) {
    // Every value parses, and its shortest form parses back to it.
    assertThat(Durations.parse(text)).isEqualTo(Duration.ofMillis(millis));
    assertThat(Durations.parse(Durations.format(Duration.ofMillis(millis)))).isEqualTo(Duration.ofMillis(millis));
  }
}
