package network.notifi.sluice.api.http;

import java.util.Optional;
import network.notifi.sluice.jobs.Names;

/** Who is calling: the {@code X-Third-Party-ID} header, else the CloudEvent {@code source}. */
final class ThirdParties {

  static final String HEADER = "X-Third-Party-ID";

  private ThirdParties() {}

  /**
   * The validated third-party id, or empty when the request names none.
   *
   * @throws Problem.ProblemException 400 {@code invalid_third_party} for an id that breaks {@link
   *     Names#requireThirdPartyId}'s rule, with its message
   */
  static Optional<String> identify(String header, String source, boolean sourceGiven) {
    if (header != null && !header.isEmpty()) {
      return Optional.of(validate(header, HEADER + " header"));
    }
    if (sourceGiven && source != null && !source.isEmpty()) {
      return Optional.of(validate(source, "event source"));
    }
    return Optional.empty();
  }

  private static String validate(String id, String where) {
    try {
      return Names.requireThirdPartyId(where, id);
    } catch (IllegalArgumentException e) {
      throw Problem.of(400, "invalid_third_party", e.getMessage()).exception();
    }
  }
}
