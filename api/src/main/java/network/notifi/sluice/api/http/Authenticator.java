package network.notifi.sluice.api.http;

import io.javalin.http.Context;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.function.Supplier;
import network.notifi.sluice.api.identity.ApiKeys;
import network.notifi.sluice.api.identity.Caller;
import network.notifi.sluice.api.identity.IdentityMode;

/**
 * Who is calling, by {@code identity.mode}, before anything else of the request is read. In {@code
 * api_key} mode a request without a known key ({@code Authorization: Bearer <key>}) is refused with
 * 401 {@code unauthenticated}, counted in {@code authentication_failures_total{reason}}; the key is
 * never logged nor echoed. Thread-safe.
 */
public final class Authenticator {

  static final String BEARER = "bearer ";
  /** Longer than any key worth hashing; a longer header is refused unread. */
  static final int MAX_KEY_LENGTH = 512;

  private static final Caller TRUSTED = new Caller.Trusted();
  private static final Caller ANONYMOUS = new Caller.Anonymous();

  private final IdentityMode mode;
  private final Supplier<ApiKeys> keys;
  private final Map<String, Counter> failures;

  /** @param keys the keys in force, asked on every request (a reloaded file changes them) */
  public Authenticator(IdentityMode mode, Supplier<ApiKeys> keys, MeterRegistry registry) {
    this.mode = mode;
    this.keys = keys;
    this.failures = Map.of(
        "missing", failures(registry, "missing"),
        "malformed", failures(registry, "malformed"),
        "unknown", failures(registry, "unknown"));
  }

  public IdentityMode mode() {
    return mode;
  }

  /**
   * The caller of {@code ctx}.
   *
   * @throws Problem.ProblemException 401 {@code unauthenticated} in {@code api_key} mode
   */
  Caller authenticate(Context ctx) {
    return switch (mode) {
      case HEADER -> TRUSTED;
      case NONE -> ANONYMOUS;
      case API_KEY -> keyHolder(ctx);
    };
  }

  private Caller keyHolder(Context ctx) {
    String header = ctx.header("Authorization");
    if (header == null || header.isBlank()) {
      throw refuse(ctx, "missing", "an API key is required: Authorization: Bearer <key>");
    }
    if (header.length() > BEARER.length() + MAX_KEY_LENGTH
        || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())
        || header.substring(BEARER.length()).isBlank()) {
      throw refuse(ctx, "malformed", "the Authorization header must be: Bearer <key>");
    }
    String presented = header.substring(BEARER.length()).trim();
    return keys.get().find(presented)
        .<Caller>map(Caller.KeyHolder::new)
        .orElseThrow(() -> refuse(ctx, "unknown", "the API key is not known"));
  }

  private Problem.ProblemException refuse(Context ctx, String why, String detail) {
    failures.get(why).increment();
    ctx.header("WWW-Authenticate", "Bearer realm=\"sluice\"");
    return Problem.of(401, "unauthenticated", detail).exception();
  }

  private static Counter failures(MeterRegistry registry, String reason) {
    return Counter.builder("authentication_failures")
        .description("Requests refused with 401 in identity.mode api_key, by why")
        .tag("reason", reason)
        .register(registry);
  }
}
