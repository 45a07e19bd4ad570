package network.notifi.sluice.loadtest.harness;

import java.util.List;
import java.util.Map;

/**
 * A simulation the harness can run: its class, the limits the replicas get, its parameters in the full
 * and the short form, and whether it needs build admission ({@code jobs.*}).
 */
enum Scenario {
  GLOBAL_BURST("global-burst", "GlobalBurstSimulation", Limits.SEED, false,
      Map.of("sluice.requests", "200", Scenario.REPLICA_WARM_UP, Scenario.BURST_REPLICA_WARM_UP,
          Scenario.LOAD_GENERATOR_WARM_UP, Scenario.FULL_LOAD_GENERATOR_WARM_UP),
      Map.of("sluice.requests", "200", "sluice.p99MaxMs", Scenario.SHORT_P99)),
  THIRD_PARTY_BURST("third-party-burst", "ThirdPartyBurstSimulation", Limits.SEED, false,
      Map.of("sluice.requests", "30", "sluice.others", "5", Scenario.REPLICA_WARM_UP, Scenario.BURST_REPLICA_WARM_UP,
          Scenario.LOAD_GENERATOR_WARM_UP, Scenario.FULL_LOAD_GENERATOR_WARM_UP),
      Map.of("sluice.requests", "30", "sluice.others", "5", "sluice.p99MaxMs", Scenario.SHORT_P99)),
  JOB_LIMIT("job-limit", "JobLimitSimulation", Limits.SEED, true,
      Map.of("sluice.requests", "15", "sluice.jobSeconds", "3"),
      Map.of("sluice.requests", "15", "sluice.jobSeconds", "3")),
  FAILURE_BACKOFF("failure-backoff", "FailureBackoffSimulation", Limits.SEED, true, Map.of(), Map.of()),
  SUSTAINED("sustained", "SustainedMixedSimulation", Limits.MIXED, false,
      Map.of("sluice.duration", "60", "sluice.jobSeconds", "3600", Scenario.REPLICA_WARM_UP, "15",
          Scenario.LOAD_GENERATOR_WARM_UP, Scenario.FULL_LOAD_GENERATOR_WARM_UP),
      Map.of("sluice.duration", "10", "sluice.jobSeconds", "3600", "sluice.p99MaxMs", Scenario.SHORT_P99)),
  SPIKE("spike", "SpikeSimulation", Limits.MIXED, false,
      Map.of("sluice.steady", "20", "sluice.spike", "10", "sluice.jobSeconds", "3600", Scenario.REPLICA_WARM_UP, "15",
          Scenario.LOAD_GENERATOR_WARM_UP, Scenario.FULL_LOAD_GENERATOR_WARM_UP),
      Map.of("sluice.steady", "5", "sluice.spike", "10", "sluice.factor", "5", "sluice.jobSeconds", "3600",
          "sluice.p99MaxMs", Scenario.SHORT_P99));

  /**
   * Seconds of the same traffic, from other third parties, sent before the measured run and not
   * counted (its latency is reported apart), then more in rounds of 15 s until every replica's JIT
   * has settled (as the bench decides it) or {@link #REPLICA_WARM_UP_MAX} is reached: steady traffic
   * is measured on warm replicas, not on the JIT compiling their first requests. On 2026-11-30's
   * slow box, after a fixed 15 s the measured minute's p50 at nginx fell from 226 ms in its first
   * 5 s to 15 ms in its last. The short form leaves it out.
   */
  static final String REPLICA_WARM_UP = "sluice.replicaWarmUpSeconds";

  /** At most this many seconds of replica warm-up traffic in all (120). */
  static final String REPLICA_WARM_UP_MAX = "sluice.replicaWarmUpMaxSeconds";

  /**
   * A burst answers in less than a second, so in the full form it is sent to replicas that have run
   * the sustained mix for a minute at least (then until settled, as above): on a replica just
   * started, C2 compiled for 57 % of its CPU time around the burst and the decision's p50 was 151-219
   * ms; after the minute, 37-44 ms. A running service is warm; a cold one is what the short form and
   * the warm-up's own line show.
   */
  static final String BURST_REPLICA_WARM_UP = "60";

  /** Seconds of the load generator's own warm-up ({@code SluiceSimulation.warmUp}, 3 by default). */
  static final String LOAD_GENERATOR_WARM_UP = "sluice.warmUpSeconds";

  /**
   * The load generator's warm-up in the full form. Gatling sends a burst's requests as fast as its
   * own JIT lets it: after 3 s of warm-up their arrivals at nginx spread over 406-617 ms, after 15 s
   * over 279 ms. Under steady traffic its client adds to the p99: in {@code sustained} on 2026-11-30,
   * Gatling's p99 less nginx's was 496 and 1,425 ms after 3 s, 54 and 117 ms after 15 s. The full
   * form measures Sluice, so the load generator warms up for 15 s.
   */
  static final String FULL_LOAD_GENERATOR_WARM_UP = "15";

  /**
   * The short form's latency ceiling: on 2 shared cores the first simulation in a cold JVM measures
   * JIT warm-up as much as Sluice, so the suite only guards against stalls.
   */
  private static final String SHORT_P99 = "20000";

  /** The seed's four scenarios, the short form of which runs in the test suite. */
  static final List<Scenario> SEED = List.of(GLOBAL_BURST, THIRD_PARTY_BURST, FAILURE_BACKOFF, JOB_LIMIT);

  final String id;
  final String simulation;
  final Limits limits;
  final boolean needsJobs;
  final Map<String, String> full;
  final Map<String, String> shortForm;

  Scenario(String id, String simulation, Limits limits, boolean needsJobs, Map<String, String> full,
      Map<String, String> shortForm) {
    this.id = id;
    this.simulation = "network.notifi.sluice.loadtest." + simulation;
    this.limits = limits;
    this.needsJobs = needsJobs;
    this.full = full;
    this.shortForm = shortForm;
  }

  static Scenario byId(String id) {
    for (Scenario s : values()) {
      if (s.id.equals(id)) {
        return s;
      }
    }
    throw new IllegalArgumentException("unknown scenario " + id + "; known: seed, bench, burst, "
        + java.util.Arrays.stream(values()).map(s -> s.id).toList());
  }
}
