package network.notifi.sluice.api.identity;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The configured API keys, by hash. A presented key is hashed (SHA-256) and looked up by that hash,
 * so the lookup costs the same for one key or a million, and its timing can only tell an attacker
 * about the hash of what they sent themselves, never about a stored key (SHA-256 cannot be inverted).
 * The entry found is then compared in constant time ({@link MessageDigest#isEqual}). Immutable;
 * thread-safe.
 */
public final class ApiKeys {

  private final List<ApiKey> keys;
  private final Map<String, ApiKey> byHash = new HashMap<>();

  private ApiKeys(List<ApiKey> keys) {
    this.keys = List.copyOf(keys);
    for (ApiKey key : keys) {
      if (byHash.put(HexFormat.of().formatHex(key.sha256()), key) != null) {
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
    ApiKey found = byHash.get(HexFormat.of().formatHex(hash));
    return found != null && MessageDigest.isEqual(hash, found.sha256()) ? Optional.of(found) : Optional.empty();
  }

  public List<ApiKey> all() {
    return keys;
  }

  public int size() {
    return keys.size();
  }

  /**
   * Equal when both hold the same keys: the same hashes, each for the same third party and
   * namespaces (so that a reloaded configuration with the same keys is the same configuration).
   */
  @Override
  public boolean equals(Object other) {
    return other instanceof ApiKeys keys && grants().equals(keys.grants());
  }

  @Override
  public int hashCode() {
    return grants().hashCode();
  }

  private Map<String, List<Object>> grants() {
    Map<String, List<Object>> grants = new HashMap<>();
    byHash.forEach((hash, key) -> grants.put(hash, List.of(key.thirdParty(), Set.copyOf(key.namespaces()))));
    return grants;
  }

  static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every Java runtime has SHA-256", e);
    }
  }
}
