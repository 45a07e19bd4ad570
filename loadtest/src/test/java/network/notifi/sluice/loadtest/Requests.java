package network.notifi.sluice.loadtest;

import static io.gatling.javaapi.core.CoreDsl.StringBody;
import static io.gatling.javaapi.core.CoreDsl.exec;
import static io.gatling.javaapi.core.CoreDsl.jsonPath;
import static io.gatling.javaapi.http.HttpDsl.http;
import static io.gatling.javaapi.http.HttpDsl.status;

import io.gatling.javaapi.core.ChainBuilder;
import io.gatling.javaapi.core.Session;
import io.gatling.javaapi.http.HttpProtocolBuilder;
import io.gatling.javaapi.http.HttpRequestActionBuilder;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;

/** The protocol and the {@code build.start} request every simulation sends. */
public final class Requests {
  private static final AtomicLong SEQ = new AtomicLong();
  private static final String RUN = Long.toString(System.currentTimeMillis(), 36);

  private Requests() {}

  /**
   * Keep-alive connections shared by all virtual users, as a service calling Sluice would. With
   * several base URLs (replicas without a balancer in front) virtual users take them in turn.
   */
  public static HttpProtocolBuilder protocol() {
    return http.baseUrls(Params.baseUrls())
        .shareConnections()
        .disableWarmUp()
        .acceptHeader("application/json");
  }

  /**
   * One {@code POST /events} named {@code name}, from the third party in session attribute {@code
   * tp} (none when absent), for a fresh parser id (prefixed with session attribute {@code
   * parserPrefix}, default {@code parser-}) unless {@code parser} is set. Allowed statuses are
   * OK for Gatling, anything else (a 5xx above all) is KO. A 429 must name one of {@code
   * refusalReasons}. The outcome is counted in {@link Tally}.
   */
  public static ChainBuilder buildStart(String name, int[] allowed, String... refusalReasons) {
    Integer[] ok = Arrays.stream(allowed).boxed().toArray(Integer[]::new);
    HttpRequestActionBuilder anonymous = request(http(name).post("/events"), ok, refusalReasons);
    HttpRequestActionBuilder identified =
        request(http(name).post("/events").header("X-Third-Party-ID", "#{tp}"), ok, refusalReasons);
    return exec(session -> prepare(session))
        .doIfOrElse(session -> session.contains("tp"))
        .then(exec(identified))
        .orElse(exec(anonymous))
        .exec(session -> record(name, session));
  }

  /**
   * A {@code POST /events} built and checked like {@link #buildStart} (headers, body, the status
   * and the problem's {@code reason} read from the answer) but sent as {@code text/plain}, which
   * Sluice refuses with 415 before the limiter is asked: it warms the load generator's own request
   * path without taking a token. Not counted in {@link Tally}.
   */
  public static ChainBuilder warmUpStart() {
    return exec(session -> session.set("ceId", "warm-up-" + RUN + "-" + SEQ.incrementAndGet()))
        .exec(http("warm-up start").post("/events")
            .header("Ce-Type", "network.notifi.lambda.build.start")
            .header("Ce-Id", "#{ceId}")
            .header("Content-Type", "text/plain")
            .body(StringBody("{\"parser_id\":\"warm-up-#{ceId}\"}"))
            .check(status().is(415).saveAs("status"))
            .check(jsonPath("$.reason").saveAs("reason")));
  }

  private static HttpRequestActionBuilder request(
      HttpRequestActionBuilder base, Integer[] ok, String[] refusalReasons) {
    return base
            .header("Ce-Type", "network.notifi.lambda.build.start")
            .header("Ce-Id", "#{ceId}")
            .header("Content-Type", "application/json")
            .body(StringBody("{\"parser_id\":\"#{parser}\"}"))
            .check(status().in(ok).saveAs("status"))
            .checkIf((response, session) -> response.status().code() >= 400)
            .then(jsonPath("$.reason").in(refusalReasons.length == 0 ? new String[] {"-"} : refusalReasons)
                .saveAs("reason"))
            .checkIf((response, session) -> response.status().code() < 300)
            .then(
                jsonPath("$.status").optional().saveAs("buildStatus"),
                jsonPath("$.build_id").optional().saveAs("buildId"));
  }

  private static Session prepare(Session s) {
    long n = SEQ.incrementAndGet();
    Session out = s.set("ceId", RUN + "-" + n).remove("status").remove("reason").remove("buildStatus");
    if (!s.contains("parser")) {
      String prefix = s.contains("parserPrefix") ? s.getString("parserPrefix") : "parser-";
      out = out.set("parser", prefix + RUN + "-" + n);
    }
    Tally.sent();
    return out.set("t0", System.nanoTime());
  }

  private static Session record(String name, Session s) {
    String outcome;
    if (!s.contains("status")) {
      outcome = "KO";
    } else {
      outcome = Integer.toString(s.getInt("status"));
      if (s.contains("reason")) {
        outcome += "." + s.getString("reason");
      } else if (s.contains("buildStatus")) {
        outcome += "." + s.getString("buildStatus");
      }
    }
    Tally.answered(name, outcome, (System.nanoTime() - s.getLong("t0")) / 1000);
    return s.remove("parser");
  }
}
