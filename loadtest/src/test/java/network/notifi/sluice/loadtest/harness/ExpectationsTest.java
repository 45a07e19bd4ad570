package network.notifi.sluice.loadtest.harness;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;

class ExpectationsTest {

  /** The seed's burst: 200 sent at once, answered over 1.62 s; the endpoint (100 + 50/s) binds. */
  private static Outcomes burstOf200(long admitted) {
    Properties p = new Properties();
    p.setProperty("count.build.start.202", Long.toString(admitted));
    p.setProperty("count.build.start.429.endpoint", Long.toString(200 - admitted));
    p.setProperty("firstSendMs", "1000");
    p.setProperty("lastSendMs", "1050");
    p.setProperty("lastAnswerMs", "2620");
    return new Outcomes(p);
  }

  /** Endpoint and global asked together: each saw all 200, each kept what both admitted. */
  private static Totals askedTogether(long admitted) {
    return new Totals(0, 0, 200, 200 - admitted, 200, 0, admitted, admitted);
  }

  private static List<Check> globalBurst(long admitted) {
    return Expectations.forScenario(Scenario.GLOBAL_BURST, Limits.SEED, burstOf200(admitted),
        askedTogether(admitted), Map.of());
  }

  @Test
  void theEndpointRefusingWhatTheGlobalWouldAdmitIsNotUnderAdmission() {
    assertThat(globalBurst(169)).allMatch(Check::ok, "every check passes");
  }

  @Test
  void theSharedLevelsAdmittingLessThanTheTighterBucketHoldsIsUnderAdmission() {
    assertThat(globalBurst(80)).filteredOn(check -> !check.ok()).extracting(Check::what)
        .containsExactly("shared levels (the tighter is endpoint) no under-admission");
  }

  @Test
  void admittingMoreThanTheTighterBucketAllowsBreaksItsBound() {
    assertThat(globalBurst(190)).filteredOn(check -> !check.ok()).extracting(Check::what)
        .containsExactly("endpoint bucket (all replicas' /metrics) within bound");
  }
}
