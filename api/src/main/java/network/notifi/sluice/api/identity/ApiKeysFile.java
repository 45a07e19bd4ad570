package network.notifi.sluice.api.identity;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.List;
import java.util.Objects;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * API keys from a file ({@code identity.api_keys_file}): a YAML or JSON list in the shape of {@code
 * identity.api_keys}, read again when the file changes (its modification time, size or inode), e.g.
 * when a Kubernetes Secret is updated. A file that no longer reads or validates leaves the keys in
 * force as they were, with a warning; the keys are never logged. Thread-safe.
 */
public final class ApiKeysFile {

  private static final Logger LOG = LoggerFactory.getLogger(ApiKeysFile.class);
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private final Path file;
  private final Predicate<String> configuredNamespace;
  private volatile ApiKeys keys;
  private volatile Object version;

  private ApiKeysFile(Path file, Predicate<String> configuredNamespace) {
    this.file = Objects.requireNonNull(file, "file");
    this.configuredNamespace = configuredNamespace;
  }

  /**
   * Reads {@code file} now.
   *
   * @param configuredNamespace which namespaces exist: a key naming another is refused
   * @throws IllegalArgumentException when the file cannot be read or is not valid
   */
  public static ApiKeysFile load(Path file, Predicate<String> configuredNamespace) {
    var keysFile = new ApiKeysFile(file, configuredNamespace);
    Object version = keysFile.version();
    keysFile.keys = keysFile.read();
    keysFile.version = version;
    return keysFile;
  }

  public ApiKeys keys() {
    return keys;
  }

  /** Reads the file again if it changed; returns whether the keys in force changed. */
  public boolean reloadIfChanged() {
    Object now;
    try {
      now = version();
    } catch (IllegalArgumentException e) {
      LOG.warn("API keys file {} cannot be read; the keys in force stay: {}", file, e.getMessage());
      return false;
    }
    if (now.equals(version)) {
      return false;
    }
    try {
      ApiKeys read = read();
      keys = read;
      version = now;
      LOG.info("API keys file {} reloaded: {} keys", file, read.size());
      return true;
    } catch (IllegalArgumentException e) {
      version = now;
      LOG.warn("API keys file {} is not valid; the keys in force stay: {}", file, e.getMessage());
      return false;
    }
  }

  private ApiKeys read() {
    JsonNode tree;
    try {
      tree = YAML.readTree(Files.readString(file));
    } catch (IOException e) {
      throw new IllegalArgumentException("API keys file " + file + " cannot be read: " + e.getClass().getSimpleName());
    }
    ApiKeys read = ApiKeys.parse(tree, file.toString());
    requireConfiguredNamespaces(read, file.toString(), configuredNamespace);
    return read;
  }

  /** Every namespace a key names must be configured, or the key could never be used as written. */
  public static void requireConfiguredNamespaces(ApiKeys keys, String where, Predicate<String> configured) {
    for (ApiKey key : keys.all()) {
      for (String namespace : key.namespaces()) {
        if (!configured.test(namespace)) {
          throw new IllegalArgumentException(where + ": the key of third party " + key.thirdParty()
              + " names namespace " + namespace + ", which is not configured (jobs.namespaces)");
        }
      }
    }
  }

  private Object version() {
    try {
      BasicFileAttributes attributes = Files.readAttributes(file, BasicFileAttributes.class);
      return List.of(attributes.lastModifiedTime(), attributes.size(), String.valueOf(attributes.fileKey()));
    } catch (IOException e) {
      throw new IllegalArgumentException("API keys file " + file + " cannot be read: " + e.getClass().getSimpleName());
    }
  }
}
