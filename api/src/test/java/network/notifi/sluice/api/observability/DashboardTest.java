package network.notifi.sluice.api.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.Wiring;
import network.notifi.sluice.api.config.ConfigLoader;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.k8s.testing.FaultProxy;
import network.notifi.sluice.k8s.testing.TestApiServer;
import network.notifi.sluice.limiter.ManualClock;
import network.notifi.sluice.redis.testing.RedisServers;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard deploy/grafana/sluice.json: well formed, and every panel's query returns
 * data from a real Prometheus scraping a running Sluice under light mixed traffic.
 */
class DashboardTest {

  private static final Path DASHBOARD = RepoFiles.path("deploy/grafana/sluice.json");
  private static final ObjectMapper JSON = new ObjectMapper();
  /** What Grafana would put in for its variables; {@code $datasource} only picks the source. */
  private static final Map<String, String> VARIABLES = Map.of(
      "$__rate_interval", "1m",
      "$__interval", "15s",
      "$__range", "5m",
      "${namespace}", ".*",
      "$namespace", ".*");
  private static final Pattern LABEL_VALUES = Pattern.compile("label_values\\((.+),\\s*(\\w+)\\)");

  /** Small limits on a frozen clock, so that each level refuses an exact, known share. */
  private static final Map<String, String> ENV = Map.of(
      "SLUICE_PORT", "0",
      "SLUICE_SERVER_ADMIN_PORT", "0",
      "SLUICE_SERVER_HOST", "127.0.0.1",
      "SLUICE_RATE_LIMITING_THIRD_PARTY_RPS", "1",
      "SLUICE_RATE_LIMITING_THIRD_PARTY_BURST", "2",
      "SLUICE_RATE_LIMITING_BUILD_START_RPS", "10",
      "SLUICE_RATE_LIMITING_BUILD_START_BURST", "10",
      "SLUICE_RATE_LIMITING_GLOBAL_RPS", "1",
      "SLUICE_RATE_LIMITING_GLOBAL_BURST", "15");

  @Test
  void dashboardIsGrafanaJsonWhosePanelsAllQueryTheChosenPrometheus() throws IOException {
    JsonNode dashboard = JSON.readTree(DASHBOARD.toFile());

    assertThat(dashboard.path("schemaVersion").asInt()).isBetween(36, 41);
    assertThat(dashboard.path("uid").asText()).isEqualTo("sluice");
    assertThat(variableNames(dashboard)).contains("datasource", "namespace");
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : panels(dashboard)) {
      assertThat(ids.add(panel.path("id").asInt())).as("panel id %s is unique", panel.path("id")).isTrue();
      if ("row".equals(panel.path("type").asText())) {
        continue;
      }
      String title = panel.path("title").asText();
      assertThat(panel.path("description").asText()).as("description of %s", title).isNotBlank();
      assertThat(panel.path("targets")).as("targets of %s", title).isNotEmpty();
      assertThat(panel.path("datasource").path("uid").asText()).as("datasource of %s", title).isEqualTo("${datasource}");
      for (JsonNode target : panel.path("targets")) {
        assertThat(target.path("datasource").path("uid").asText()).as("target datasource of %s", title).isEqualTo("${datasource}");
        assertThat(target.path("expr").asText()).as("expr of %s", title).isNotBlank();
      }
    }
  }

  /**
   * Runs every panel query (and the namespace variable's) against Prometheus. A panel whose
   * metrics the running wiring does not expose yet fails; all such panels are listed in one
   * message, so whoever wires the metrics sees what is left.
   */
  @Test
  @Tag("dashboard")
  void everyPanelShowsDataFromARealPrometheusScrapingSluice() throws IOException {
    List<Query> queries = queries(JSON.readTree(DASHBOARD.toFile()));
    // The whole service as deployed: buckets, slots and queues on a real Redis, builds as Jobs on
    // the Kubernetes API stand-in; only the buckets' clock is frozen so that refusals are exact.
    Map<String, String> env = new HashMap<>(ENV);
    env.put("SLUICE_REDIS_MODE", "standalone");
    env.put("SLUICE_REDIS_ADDRESSES", RedisServers.standalone().hostAndPort());
    env.put("SLUICE_REDIS_KEY_PREFIX", "d" + System.nanoTime() + ":");
    env.put("SLUICE_REDIS_COMMAND_TIMEOUT", "3s");
    env.put("SLUICE_REDIS_DECISION_TIMEOUT", "5s");
    // The opt-in hot-key leases, so that their panels have series; leases of 2 change none of the
    // answers driveMixedTraffic expects (a lease is taken only while the bucket holds a whole one).
    env.put("SLUICE_REDIS_HOT_KEY_LEASES_TOKENS", "2");
    env.put("SLUICE_JOBS_LAUNCHER", "kubernetes");
    env.put("SLUICE_K8S_RECONCILE_INTERVAL", "300ms");
    env.put("SLUICE_K8S_WATCH", "false");
    var clock = new ManualClock();
    try (var api = TestApiServer.start()) {
      env.put("SLUICE_K8S_API_URL", api.url());
      var config = ConfigLoader.load(Optional.empty(), env);
      try (var app = Wiring.build(config, Map.of(), clock).start();
          var prometheus = PrometheusServer.start(List.of("127.0.0.1:" + app.adminPort()))) {
        runEveryQuery(queries, app, prometheus, clock, api);
      }
    }
  }

  private static void runEveryQuery(
      List<Query> queries, SluiceApp app, PrometheusServer prometheus, ManualClock clock,
      TestApiServer api) {
    await("first scrape of Sluice").atMost(Duration.ofSeconds(30)).until(() -> !prometheus.query("up{job=\"sluice\"} == 1").isEmpty());

    driveMixedTraffic(new HttpTestClient(app.port()), new HttpTestClient(app.adminPort()), clock);
    endSomeBuilds(api);

    await("Prometheus has scraped the traffic, three scrapes or more in the last minute")
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(500))
        .until(() -> !prometheus.query("rate_limit_rejected_total{limit_type=\"global\"} > 0").isEmpty()
            && !prometheus.query("increase(builds_total[1m]) > 0").isEmpty()
            && !prometheus.query("count_over_time(up{job=\"sluice\"}[1m]) >= 3").isEmpty());

    List<String> missing = new ArrayList<>();
    for (Query query : queries) {
      try {
        if (prometheus.query(query.promql()).isEmpty()) {
          missing.add(query + ": no series");
        }
      } catch (PrometheusServer.PromQlException e) {
        missing.add(query + ": query refused: " + e.getMessage());
      }
    }
    assertThat(missing)
        .withFailMessage(() -> missing.size() + " of " + queries.size()
            + " dashboard queries return no data from Sluice as wired today:\n  "
            + String.join("\n  ", missing))
        .isEmpty();
  }

  /** Admitted, refused at every level, bad input, other routes; asserts the answers to pin the numbers. */
  private static void driveMixedTraffic(HttpTestClient client, HttpTestClient admin, ManualClock clock) {
    List<Integer> statuses = new ArrayList<>();
    // third party: burst 2 of 4 (endpoint 10 -> 8, global 15 -> 13)
    for (int i = 0; i < 4; i++) {
      statuses.add(client.send(client.buildStart(nextParser()).header("X-Third-Party-ID", "tp-1")).statusCode());
    }
    assertThat(statuses).containsExactly(202, 202, 429, 429);
    // endpoint: 8 admitted empty it, 2 refused (global 13 -> 5)
    assertThat(send(client, 10)).containsExactly(202, 202, 202, 202, 202, 202, 202, 202, 429, 429);
    clock.advanceMillis(1_000);
    // a second later the endpoint is full again (10) and global has 6: 6 admitted, 2 refused by global
    assertThat(send(client, 8)).containsExactly(202, 202, 202, 202, 202, 202, 429, 429);
    var bad = client.send(client.post("/events")
        .header("Ce-Type", HttpTestClient.BUILD_START)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"parser_id\": ")));
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(admin.get("/ratelimits").statusCode()).isEqualTo(200);
    assertThat(client.get("/health/ready").statusCode()).isEqualTo(200);
    assertThat(client.get("/no-such-route").statusCode()).isEqualTo(404);
  }

  /** One Job completes, one fails (builds by outcome, duration, backoff); one API call is retried. */
  private static void endSomeBuilds(TestApiServer api) {
    var jobs = api.jobs("default");
    assertThat(jobs).hasSizeGreaterThanOrEqualTo(2);
    api.complete("default", jobs.get(0).getMetadata().getName());
    api.fail("default", jobs.get(1).getMetadata().getName(), "BackoffLimitExceeded");
    api.proxy().fault(FaultProxy.Mode.ERROR_503, Duration.ofSeconds(1));
  }

  private static List<Integer> send(HttpTestClient client, int count) {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      statuses.add(client.send(client.buildStart(nextParser())).statusCode());
    }
    return statuses;
  }

  private static final AtomicInteger PARSERS = new AtomicInteger();

  /** A parser id of its own for every request, so build admission never answers with a duplicate. */
  private static String nextParser() {
    return "parser-" + PARSERS.incrementAndGet();
  }

  /** One query a panel (or a template variable) runs. */
  private record Query(String source, String promql) {
    @Override
    public String toString() {
      return source + " `" + promql + "`";
    }
  }

  private static List<Query> queries(JsonNode dashboard) {
    List<Query> queries = new ArrayList<>();
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      if (!"query".equals(variable.path("type").asText())) {
        continue;
      }
      JsonNode query = variable.path("query");
      String text = query.isTextual() ? query.asText() : query.path("query").asText();
      var labelValues = LABEL_VALUES.matcher(text.trim());
      String promql = labelValues.matches() ? "group by (" + labelValues.group(2) + ") (" + labelValues.group(1) + ")" : text;
      queries.add(new Query("variable $" + variable.path("name").asText(), substitute(promql)));
    }
    for (JsonNode panel : panels(dashboard)) {
      for (JsonNode target : panel.path("targets")) {
        String source = "panel \"" + panel.path("title").asText() + "\" (" + target.path("refId").asText() + ")";
        queries.add(new Query(source, substitute(target.path("expr").asText())));
      }
    }
    assertThat(queries).as("queries in %s", DASHBOARD).isNotEmpty();
    return queries;
  }

  /** Every panel, those inside collapsed rows included. */
  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      panels.add(panel);
      panel.path("panels").forEach(panels::add);
    }
    return panels;
  }

  private static List<String> variableNames(JsonNode dashboard) {
    List<String> names = new ArrayList<>();
    dashboard.path("templating").path("list").forEach(v -> names.add(v.path("name").asText()));
    return names;
  }

  private static String substitute(String expr) {
    String result = expr;
    // Longest names first, so $__rate_interval is not read as $__r... of a shorter one.
    for (String name : VARIABLES.keySet().stream().sorted((a, b) -> b.length() - a.length()).toList()) {
      result = result.replace(name, VARIABLES.get(name));
    }
    return result;
  }
}
