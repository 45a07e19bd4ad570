package network.notifi.sluice.api.identity;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * The configured API keys, by hash. A presented key is hashed and compared with every configured
 * hash in constant time ({@link MessageDigest#isEqual}), all of them every time, so neither the
 * comparison nor which entry matched shows in the time taken. Immutable; thread-safe.
 */
public final class ApiKeys {

  private final List<ApiKey> keys;

  private ApiKeys(List<ApiKey> keys) {
    this.keys = List.copyOf(keys);
    Set<String> hashes = new HashSet<>();
    for (ApiKey key : keys) {
      if (!hashes.add(HexFormat.of().formatHex(key.sha256()))) {
        throw new IllegalArgumentException("two API keys have the same sha256 (third party " + key.thirdParty() + ")");
      }
    }
  }

  public static ApiKeys of(List<ApiKey> keys) {
    return new ApiKeys(keys);
  }

  /**
   * Reads {@code [{third_party, sha256, namespaces: [...]}, ...]}.
   *
   * @param where what the list is, for messages ({@code identity.api_keys}, a file name)
   * @throws IllegalArgumentException naming {@code where}, the entry and the rule
   */
  public static ApiKeys parse(JsonNode list, String where) {
    if (list == null || list.isMissingNode() || list.isNull()) {
      return of(List.of());
    }
    if (!list.isArray()) {
      throw new IllegalArgumentException(where + " must be a list of {third_party, sha256, namespaces}");
    }
    List<ApiKey> keys = new ArrayList<>();
    int index = 0;
    for (JsonNode entry : list) {
      String at = where + "[" + index++ + "]";
      if (!entry.isObject()) {
        throw new IllegalArgumentException(at + " must be a map {third_party, sha256, namespaces}");
      }
      for (var names = entry.fieldNames(); names.hasNext(); ) {
        String name = names.next();
        if (!Set.of("third_party", "sha256", "namespaces").contains(name)) {
          throw new IllegalArgumentException(at + ": unknown key " + name);
        }
      }
      String thirdParty = entry.path("third_party").asText("");
      Set<String> namespaces = new LinkedHashSet<>();
      JsonNode nodes = entry.path("namespaces");
      if (nodes.isArray()) {
        nodes.forEach(ns -> namespaces.add(ns.asText()));
      } else if (nodes.isTextual()) {
        namespaces.add(nodes.asText());
      }
      try {
        keys.add(new ApiKey(thirdParty, ApiKey.parseSha256(entry.path("sha256").asText(null), thirdParty), namespaces));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(at + ": " + e.getMessage());
      }
    }
    return of(keys);
  }

  /** The key whose hash is the SHA-256 of {@code presented}, if any. */
  public Optional<ApiKey> find(String presented) {
    byte[] hash = sha256(presented);
    ApiKey found = null;
    for (ApiKey key : keys) {
      // Every entry is compared, whatever matched before: the time does not depend on the position.
      if (MessageDigest.isEqual(hash, key.sha256()) & found == null) {
        found = key;
      }
    }
    return Optional.ofNullable(found);
  }

  public List<ApiKey> all() {
    return keys;
  }

  public int size() {
    return keys.size();
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
