package network.notifi.sluice.api.identity;

import java.util.Collections;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.Objects;
import java.util.Set;

/**
 * One API key as configured: never the key itself, only its SHA-256.
 *
 * @param thirdParty the third party the key names
 * @param sha256 the SHA-256 of the key's UTF-8 bytes (32 bytes)
 * @param namespaces the namespaces the key may start builds in, in the order configured (the first
 *     is used when a request names none and the key may not use the default namespace)
 */
public record ApiKey(String thirdParty, byte[] sha256, Set<String> namespaces) {

  public ApiKey {
    Objects.requireNonNull(thirdParty, "third_party");
    if (thirdParty.isBlank() || thirdParty.length() > 128) {
      throw new IllegalArgumentException("third_party must be 1 to 128 characters, was '" + thirdParty + "'");
    }
    if (sha256 == null || sha256.length != 32) {
      throw new IllegalArgumentException("sha256 of third party " + thirdParty + " must be 64 hex digits");
    }
    sha256 = sha256.clone();
    if (namespaces == null || namespaces.isEmpty()) {
      throw new IllegalArgumentException("namespaces of third party " + thirdParty + " must name at least one");
    }
    namespaces = Collections.unmodifiableSet(new LinkedHashSet<>(namespaces));
  }

  /** The hash as configured: 64 hex digits. */
  public static byte[] parseSha256(String hex, String thirdParty) {
    if (hex == null || !hex.matches("[0-9a-fA-F]{64}")) {
      throw new IllegalArgumentException("sha256 of third party " + thirdParty + " must be 64 hex digits");
    }
    return HexFormat.of().parseHex(hex);
  }

  @Override
  public byte[] sha256() {
    return sha256.clone();
  }

  /** The key's hash stays out of logs and exception messages. */
  @Override
  public String toString() {
    return "ApiKey[third_party=" + thirdParty + ", namespaces=" + namespaces + "]";
  }
}
