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
   * @throws Problem.ProblemException 400 {@code invalid_third_party} for an id that is too long or
   *     holds control characters
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
    if (id.length() > Names.MAX_THIRD_PARTY_LENGTH) {
      throw Problem.of(
              400,
              "invalid_third_party",
              where + " is " + id.length() + " characters; at most " + Names.MAX_THIRD_PARTY_LENGTH)
          .exception();
    }
    for (int i = 0; i < id.length(); i++) {
      char c = id.charAt(i);
      if (Character.isISOControl(c)) {
        throw Problem.of(400, "invalid_third_party", where + " must not contain control characters")
            .exception();
      }
    }
    if (id.isBlank()) {
      throw Problem.of(400, "invalid_third_party", where + " must not be blank").exception();
    }
    return id;
  }
}
