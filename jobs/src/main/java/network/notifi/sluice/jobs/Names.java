package network.notifi.sluice.jobs;

import java.util.regex.Pattern;

/**
 * The naming rules of the jobs module. Parser ids and namespaces become parts of storage keys and of
 * Kubernetes object names, so they must be DNS-1123 labels; third-party ids are opaque but bounded.
 */
public final class Names {

  /** The longest DNS-1123 label. */
  public static final int MAX_LABEL_LENGTH = 63;

  /** The longest accepted third-party id; the HTTP edge refuses longer ones with {@code invalid_third_party}. */
  public static final int MAX_THIRD_PARTY_LENGTH = 128;

  private static final Pattern DNS_1123_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");

  private Names() {}

  /** Whether {@code value} is a DNS-1123 label: 1 to 63 of {@code [a-z0-9-]}, alphanumeric at both ends. */
  public static boolean isDns1123Label(String value) {
    return value != null
        && value.length() <= MAX_LABEL_LENGTH
        && DNS_1123_LABEL.matcher(value).matches();
  }

  /**
   * Returns {@code value} if it is a DNS-1123 label.
   *
   * @throws IllegalArgumentException naming {@code field} and the rule
   */
  public static String requireDns1123Label(String field, String value) {
    if (!isDns1123Label(value)) {
      throw new IllegalArgumentException(
          field
              + " must be a DNS-1123 label (at most 63 characters of a-z, 0-9 and '-', starting and"
              + " ending with a letter or digit), was "
              + quote(value));
    }
    return value;
  }

  /**
   * Returns {@code value} if it is a usable third-party id: 1 to {@value #MAX_THIRD_PARTY_LENGTH}
   * characters, not blank, none of them a control character.
   *
   * @throws IllegalArgumentException naming {@code field} and the rule
   */
  public static String requireThirdPartyId(String field, String value) {
    boolean ok =
        value != null
            && !value.isBlank()
            && value.length() <= MAX_THIRD_PARTY_LENGTH
            && value.chars().noneMatch(Character::isISOControl);
    if (!ok) {
      throw new IllegalArgumentException(
          field + " must be 1 to " + MAX_THIRD_PARTY_LENGTH
              + " characters, not blank, without control characters, was " + quote(value));
    }
    return value;
  }

  private static String quote(String value) {
    if (value == null) {
      return "null";
    }
    String shown = value.length() > 80 ? value.substring(0, 80) + "..." : value;
    return "\"" + shown.replaceAll("\\p{Cntrl}", "?") + "\"";
  }
}
