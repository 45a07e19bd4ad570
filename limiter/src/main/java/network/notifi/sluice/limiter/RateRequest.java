package network.notifi.sluice.limiter;

import java.util.Objects;
import java.util.Optional;

/**
 * What the limiter needs to know about a request.
 *
 * @param endpoint the endpoint name, e.g. {@code build.start}
 * @param thirdParty the validated third-party id, or empty when the request names none
 */
public record RateRequest(String endpoint, Optional<String> thirdParty) {

  public RateRequest {
    Objects.requireNonNull(endpoint, "endpoint");
    Objects.requireNonNull(thirdParty, "thirdParty");
  }

  public static RateRequest of(String endpoint, String thirdPartyOrNull) {
    return new RateRequest(endpoint, Optional.ofNullable(thirdPartyOrNull));
  }
}
