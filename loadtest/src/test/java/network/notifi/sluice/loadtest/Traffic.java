package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.scenario;

import io.gatling.javaapi.core.ScenarioBuilder;
import java.util.Iterator;
import java.util.Map;
import java.util.stream.IntStream;
import java.util.stream.Stream;

/**
 * Well-behaved and abusive third parties for the sustained and spike simulations. Each virtual user
 * sends one build start; third-party ids are handed out round-robin, so every well-behaved third
 * party sends exactly its share of the rate. Each third party always starts the same parser
 * ({@code slow-<id>}, a long build in the harness): its first start launches the build and the
 * rest are answered as duplicates (200), so the run measures admission and not the machine's
 * ability to fork hundreds of build processes a second.
 */
final class Traffic {
  static final String WELL_BEHAVED = "well-behaved";
  static final String ABUSIVE = "abusive";

  final int wellBehavedCount = Params.integer("sluice.wellBehaved.count", 50);
  final double wellBehavedRps = Params.dbl("sluice.wellBehaved.rps", 2);
  final int abusiveCount = Params.integer("sluice.abusive.count", 2);
  final double abusiveRps = Params.dbl("sluice.abusive.rps", 50);
  /** Prepended to every third-party id: the harness's warm-up uses its own third parties. */
  final String idPrefix = Params.str("sluice.idPrefix", "");

  double wellBehavedTotal() {
    return wellBehavedCount * wellBehavedRps;
  }

  double abusiveTotal() {
    return abusiveCount * abusiveRps;
  }

  /** Well-behaved traffic must be admitted: a 429 for it is a failure, like a 5xx. */
  ScenarioBuilder wellBehaved() {
    return scenario(WELL_BEHAVED)
        .feed(ids(idPrefix + "good-tp-", wellBehavedCount))
        .exec(Requests.buildStart(WELL_BEHAVED, new int[] {200, 202}));
  }

  /** Abusive traffic may be refused by its own third-party bucket, and only by it. */
  ScenarioBuilder abusive() {
    return scenario(ABUSIVE)
        .feed(ids(idPrefix + "abusive-tp-", abusiveCount))
        .exec(Requests.buildStart(ABUSIVE, new int[] {200, 202, 429}, "third_party"));
  }

  private static Iterator<Map<String, Object>> ids(String prefix, int count) {
    return Stream.generate(() -> IntStream.range(0, count).boxed())
        .flatMap(s -> s)
        .map(i -> Map.<String, Object>of("tp", prefix + i, "parser", "slow-" + prefix + i))
        .iterator();
  }
}
