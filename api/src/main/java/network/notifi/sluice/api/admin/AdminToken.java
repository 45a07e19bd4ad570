package network.notifi.sluice.api.admin;

import io.javalin.http.Context;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Optional;
import network.notifi.sluice.api.http.Problem;

/**
 * The token that admin writes need: {@code Authorization: Bearer <token>}, the token from {@code
 * SLUICE_ADMIN_TOKEN}. Without a token configured, writes are off. Compared in constant time.
 */
public final class AdminToken {

  public static final String VARIABLE = "SLUICE_ADMIN_TOKEN";
  private static final String BEARER = "Bearer ";

  private final Optional<byte[]> token;

  private AdminToken(Optional<byte[]> token) {
    this.token = token;
  }

  /** The token in {@code SLUICE_ADMIN_TOKEN}; none when unset or blank. */
  public static AdminToken fromEnvironment(Map<String, String> env) {
    String value = env.get(VARIABLE);
    return new AdminToken(value == null || value.isBlank()
        ? Optional.empty()
        : Optional.of(value.strip().getBytes(StandardCharsets.UTF_8)));
  }

  /** Whether writes are on. */
  public boolean configured() {
    return token.isPresent();
  }

  /**
   * Lets the request through, or refuses it: 403 {@code admin_writes_disabled} without a configured
   * token, 401 {@code unauthorized} without a bearer token, 403 {@code forbidden} for a wrong one.
   */
  public void requireWrite(Context ctx) {
    if (token.isEmpty()) {
      throw Problem.of(403, "admin_writes_disabled",
          "admin writes are off: set " + VARIABLE + " to enable them").exception();
    }
    String header = ctx.header("Authorization");
    if (header == null || !header.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
      ctx.header("WWW-Authenticate", "Bearer realm=\"sluice-admin\"");
      throw Problem.of(401, "unauthorized", "admin writes need Authorization: Bearer <token>").exception();
    }
    byte[] given = header.substring(BEARER.length()).strip().getBytes(StandardCharsets.UTF_8);
    if (!MessageDigest.isEqual(given, token.get())) {
      throw Problem.of(403, "forbidden", "the admin token is not valid").exception();
    }
  }
}
