package network.notifi.sluice.loadtest.harness;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The parsers behind {@code run.sh bench} and the replicas' timers, on recorded outputs. */
class MeasuringToolsTest {

  @Test
  void abEnvTakesNameValueWordsInOrderAndRefusesAnythingElse() {
    assertThat(Harness.assignments(" SLUICE_A=1  SLUICE_B=x=y "))
        .containsExactly(Map.entry("SLUICE_A", "1"), Map.entry("SLUICE_B", "x=y"));
    assertThatThrownBy(() -> Harness.assignments("SLUICE_A=1 oops")).hasMessageContaining("'oops'");
    assertThatThrownBy(() -> Harness.assignments("=1")).hasMessageContaining("'=1'");
  }

  @Test
  void wrkOutputGivesRateLatencyAndRefusals() {
    Wrk.Result r = Wrk.parse("""
        Running 20s test @ http://127.0.0.1:8080/events
          2 threads and 32 connections
          Thread Stats   Avg      Stdev     Max   +/- Stdev
            Latency     1.23ms  456.00us  20.00ms   90.00%
            Req/Sec    12.00k     1.00k   14.00k    70.00%
          Latency Distribution
             50%  761.00us
             75%    1.40ms
             90%    1.80ms
             99%    1.02s
          480000 requests in 1.00m, 60.00MB read
          Socket errors: connect 0, read 0, write 0, timeout 12
          Non-2xx or 3xx responses: 479000
        Requests/sec:   8000.00
        Transfer/sec:      3.00MB
        """);
    assertThat(r.requests()).isEqualTo(480_000);
    assertThat(r.seconds()).isEqualTo(60.0);
    assertThat(r.rps()).isEqualTo(8000.0);
    assertThat(r.p50Ms()).isCloseTo(0.761, within(1e-9));
    assertThat(r.p99Ms()).isEqualTo(1020.0);
    assertThat(r.non2xx()).isEqualTo(479_000);
    assertThat(r.socketErrors()).isEqualTo("connect 0, read 0, write 0, timeout 12");
  }

  @Test
  void theBalancersViewLeavesOutTheWarmUpAndMeasuresFromFirstByteIn() {
    Nginx.BalancerView v = Nginx.view(List.of(
        "200 127.0.0.1:1 0.001 1000.000 GET \"-\"",
        "415 127.0.0.1:1 0.002 1000.100 POST \"text/plain\"",
        "202 127.0.0.1:1 0.050 1001.050 POST \"application/json\"",
        "429 127.0.0.1:2 0.010 1001.210 POST \"application/json\"",
        "202 127.0.0.1:3 0.300 1001.600 POST \"application/cloudevents+json; charset=utf-8\""));

    assertThat(v.requests()).isEqualTo(3);
    // Arrivals at 1001.000, 1001.200 and 1001.300.
    assertThat(v.arrivalSpreadMs()).isCloseTo(300.0, within(1e-6));
    assertThat(v.firstInToLastOutMs()).isCloseTo(600.0, within(1e-6));
    assertThat(v.p50Ms()).isCloseTo(50.0, within(1e-9));
    assertThat(v.p99Ms()).isCloseTo(300.0, within(1e-9));
    assertThat(v.p99PerWindowMs()).hasSize(1);
  }

  @Test
  void theBalancersTimelineGivesEachFiveSecondsOfArrivalsItsOwnP99() {
    Nginx.BalancerView v = Nginx.view(List.of(
        "202 127.0.0.1:1 0.900 1000.900 POST \"application/json\"",
        "200 127.0.0.1:1 0.010 1003.010 POST \"application/json\"",
        "200 127.0.0.1:2 0.020 1006.020 POST \"application/json\"",
        "200 127.0.0.1:2 0.030 1016.030 POST \"application/json\""));

    // Arrivals at 1000, 1003 | 1006 | (none) | 1016.
    assertThat(v.p99PerWindowMs()).hasSize(4);
    assertThat(v.p99PerWindowMs().get(0)).isCloseTo(900.0, within(1e-6));
    assertThat(v.p99PerWindowMs().get(1)).isCloseTo(20.0, within(1e-6));
    assertThat(v.p99PerWindowMs().get(2)).isNaN();
    assertThat(v.p99PerWindowMs().get(3)).isCloseTo(30.0, within(1e-6));
    assertThat(v.timeline()).endsWith("ms: 900 20 NaN 30");
  }

  @Test
  void bucketRoundTripsAreTheRunsDeltaPerLevelSummedOverReplicas() {
    Metrics before = Metrics.parse("""
        rate_limit_redis_commands_total{command="get",limit_type="global"} 1
        rate_limit_redis_commands_total{command="cas",limit_type="global"} 10
        rate_limit_redis_cas_conflicts_total{limit_type="global"} 2
        rate_limit_remembered_reads_total{limit_type="global"} 9
        rate_limit_redis_commands_total{command="cas",limit_type="endpoint"} 5
        """);
    Metrics after = Metrics.parse("""
        rate_limit_redis_commands_total{command="get",limit_type="global"} 2
        rate_limit_redis_commands_total{command="cas",limit_type="global"} 30
        rate_limit_redis_cas_conflicts_total{limit_type="global"} 7
        rate_limit_remembered_reads_total{limit_type="global"} 28
        rate_limit_redis_commands_total{command="cas",limit_type="endpoint"} 5
        """);
    Metrics otherReplica = Metrics.parse("""
        rate_limit_redis_commands_total{command="cas",limit_type="global"} 4
        """);

    String line = BucketRoundTrips.between(List.of(before, Metrics.parse("")), List.of(after, otherReplica)).line();

    // The endpoint did nothing over the run and is left out.
    assertThat(line).endsWith(": global 1 / 24 / 5 / 19");
  }

  @Test
  void compileCountIsReadFromTheJvmsPerfDataWithoutAttaching() throws Exception {
    long pid = ProcessHandle.current().pid();
    assertThat(JvmCounters.read(pid, "sun.ci.totalCompiles")).isPositive();
  }

  @Test
  void histogramQuantilesInterpolateInsideTheirBucketAndSumOverReplicas() {
    Metrics a = Metrics.parse("""
        rate_limit_decision_seconds_bucket{le="0.001"} 50
        rate_limit_decision_seconds_bucket{le="0.002"} 90
        rate_limit_decision_seconds_bucket{le="+Inf"} 100
        http_server_requests_seconds_bucket{route="/events",status="202",le="0.01"} 10
        http_server_requests_seconds_bucket{route="/events",status="202",le="+Inf"} 10
        http_server_requests_seconds_bucket{route="/health/live",status="200",le="0.01"} 7
        http_server_requests_seconds_bucket{route="/health/live",status="200",le="+Inf"} 7
        """);
    Metrics b = Metrics.parse("""
        rate_limit_decision_seconds_bucket{le="0.001"} 50
        rate_limit_decision_seconds_bucket{le="0.002"} 50
        rate_limit_decision_seconds_bucket{le="+Inf"} 100
        """);
    Histograms before = Histograms.of(List.of(Metrics.parse("rate_limit_decision_seconds_bucket{le=\"0.001\"} 0")));
    Histograms h = Histograms.of(List.of(a, b)).since(before);

    assertThat(h.count("rate_limit_decision_seconds")).isEqualTo(200);
    assertThat(h.quantile("rate_limit_decision_seconds", 0.5)).isCloseTo(0.001, within(1e-12));
    assertThat(h.quantile("rate_limit_decision_seconds", 0.6)).isCloseTo(0.001 + 0.001 * 20 / 40, within(1e-12));
    assertThat(h.quantile("rate_limit_decision_seconds", 0.99)).isEqualTo(0.002); // beyond the last bucket
    assertThat(h.count("http_server_requests_seconds{route=\"/events\"}")).isEqualTo(10);
    assertThat(h.table(null)).anyMatch(l -> l.startsWith("| rate_limit_decision_seconds | 200 | 1.000 | > 2 |"))
        .noneMatch(l -> l.contains("/health/live"));
  }

  @Test
  void perfCountsAreReadFromItsCsvOutput() throws Exception {
    var f = java.nio.file.Files.createTempFile("perf", ".txt");
    try {
      java.nio.file.Files.writeString(f, "102721,,raw_syscalls:sys_enter,3726983611,100.00,,\n"
          + "<not counted>,,context-switches,0,100.00,,\n");
      assertThat(PerfStat.parse(f)).isEqualTo(new PerfStat.Counts(102_721, 0));
    } finally {
      java.nio.file.Files.delete(f);
    }
  }
}
