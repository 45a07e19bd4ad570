package network.notifi.sluice.k8s.internal;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Locale;
import java.util.regex.Pattern;
import network.notifi.sluice.jobs.Names;

/**
 * Label keys and value rules of Sluice's Jobs. Every function is pure and deterministic: the same
 * build id always gives the same Job name, which is what makes a retried create idempotent.
 */
public final class Labels {

  public static final String MANAGED_BY = "app.kubernetes.io/managed-by";
  public static final String MANAGER = "sluice";
  public static final String PREFIX = "sluice.notifi.network/";
  public static final String BUILD_ID = PREFIX + "build-id";
  public static final String PARSER_ID = PREFIX + "parser-id";
  public static final String THIRD_PARTY = PREFIX + "third-party";
  public static final String NAMESPACE = PREFIX + "namespace";
  /** The selector of every Job Sluice manages. */
  public static final String SELECTOR = MANAGED_BY + "=" + MANAGER;

  private static final int MAX = 63;
  private static final Pattern LABEL_VALUE = Pattern.compile("([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]");

  private Labels() {}

  /** The Job name of a build: {@code sluice-<id>} when that is a DNS-1123 label, else a sanitised id with a hash. */
  public static String jobName(String buildId) {
    String plain = "sluice-" + buildId;
    if (Names.isDns1123Label(plain)) {
      return plain;
    }
    String cleaned = buildId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
    String head = trimTo("sluice-" + cleaned, MAX - 11, '-');
    return head + "-" + hash(buildId);
  }

  /**
   * A valid label value for any string: kept as is when valid, else invalid characters become
   * {@code _}, the ends are trimmed to alphanumerics, and a hash of the original is appended so
   * distinct inputs stay distinct.
   */
  public static String value(String raw) {
    if (raw.isEmpty() || (raw.length() <= MAX && LABEL_VALUE.matcher(raw).matches())) {
      return raw;
    }
    String cleaned = raw.replaceAll("[^-A-Za-z0-9_.]", "_");
    String head = trimTo(cleaned, MAX - 11, '_');
    return head.isEmpty() ? hash(raw) : head + "_" + hash(raw);
  }

  /** Cuts to {@code max} characters and drops non-alphanumerics at both ends. */
  private static String trimTo(String s, int max, char filler) {
    String cut = s.length() > max ? s.substring(0, max) : s;
    int start = 0;
    int end = cut.length();
    while (start < end && !Character.isLetterOrDigit(cut.charAt(start))) {
      start++;
    }
    while (end > start && !Character.isLetterOrDigit(cut.charAt(end - 1))) {
      end--;
    }
    return cut.substring(start, end);
  }

  private static String hash(String raw) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-256").digest(raw.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 5);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
