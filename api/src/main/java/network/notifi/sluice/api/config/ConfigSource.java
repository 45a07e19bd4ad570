package network.notifi.sluice.api.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import network.notifi.sluice.common.Settings;

/**
 * Reads typed settings from a YAML tree with environment overrides, and remembers what it read so
 * that anything left over is reported as an unknown key.
 *
 * <p>A setting at path {@code rate_limiting.global_rps} is taken from the environment variable {@code
 * SLUICE_RATE_LIMITING_GLOBAL_RPS} if set, else from the file, else from the default given by the
 * caller. Every error names the key, the value, where it came from, and the rule.
 */
final class ConfigSource {

  private final JsonNode root;
  private final Map<String, String> env;
  private final Set<String> read = new HashSet<>();

  /** What Kubernetes sets for a Service named {@code sluice} (unless {@code enableServiceLinks: false}). */
  private static final Pattern KUBERNETES_SERVICE_LINK =
      Pattern.compile("SLUICE_(SERVICE_HOST|SERVICE_PORT(_.*)?|PORT_\\d+_(TCP|UDP|SCTP)(_.*)?)");

  ConfigSource(JsonNode root, Map<String, String> env) {
    this.root = root == null ? MissingNode.getInstance() : root;
    this.env = env;
  }

  /** The environment variable that overrides a path. */
  static String envName(String path) {
    return "SLUICE_" + path.replaceAll("[^A-Za-z0-9]+", "_").toUpperCase(Locale.ROOT);
  }

  /** A whole number; its bounds are the config record's to check. */
  long longValue(String path, long defaultValue) {
    return parse(path, String.valueOf(defaultValue), text -> {
      try {
        return Long.parseLong(text.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("must be a whole number");
      }
    });
  }

  /** A whole number that fits an {@code int}; its bounds are the config record's to check. */
  int intValue(String path, int defaultValue) {
    return parse(path, String.valueOf(defaultValue), text -> {
      try {
        return Integer.parseInt(text.trim());
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("must be a whole number from " + Integer.MIN_VALUE + " to " + Integer.MAX_VALUE);
      }
    });
  }

  boolean booleanValue(String path, boolean defaultValue) {
    return parse(path, String.valueOf(defaultValue), text -> switch (text.trim().toLowerCase(Locale.ROOT)) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new IllegalArgumentException("must be true or false");
    });
  }

  /** A duration; its bounds are the config record's to check. */
  Duration duration(String path, Duration defaultValue) {
    return parse(path, Durations.format(defaultValue), Durations::parse);
  }

  String string(String path, String defaultValue) {
    return parse(path, defaultValue, text -> text);
  }

  /** A constant of the default's enum, named in any case. */
  <E extends Enum<E>> E enumValue(String path, E defaultValue) {
    Class<E> type = defaultValue.getDeclaringClass();
    return parse(path, defaultValue.name().toLowerCase(Locale.ROOT), text -> Settings.findEnum(type, text)
        .orElseThrow(() -> new IllegalArgumentException(Settings.mustBeOneOf(type))));
  }

  /** A list, written as a YAML sequence or as one comma-separated string (the environment's form). */
  List<String> list(String path, List<String> defaultValue) {
    read.add(path);
    String text = env.get(envName(path));
    if (text == null) {
      JsonNode node = node(path);
      if (node.isMissingNode() || node.isNull()) {
        return defaultValue;
      }
      if (node.isArray()) {
        List<String> values = new ArrayList<>();
        for (JsonNode element : node) {
          if (element.isContainerNode()) {
            throw error(path, node.toString(), "must be a list of single values");
          }
          values.add(element.asText().trim());
        }
        return values;
      }
      if (node.isContainerNode()) {
        throw error(path, node.toString(), "must be a list or a comma-separated string");
      }
      text = node.asText();
    }
    List<String> values = new ArrayList<>();
    for (String part : text.split(",")) {
      if (!part.isBlank()) {
        values.add(part.trim());
      }
    }
    return values;
  }

  /**
   * The YAML under {@code path} as it is (missing when absent), for settings with a structure of
   * their own such as a list of maps; the path counts as read. No environment override.
   */
  JsonNode tree(String path) {
    read.add(path);
    return node(path);
  }

  /** The names of the entries of a map section, e.g. the endpoints under {@code endpoints}. */
  Set<String> keys(String path) {
    JsonNode node = node(path);
    Set<String> names = new LinkedHashSet<>();
    if (node.isObject()) {
      node.fieldNames().forEachRemaining(names::add);
    } else if (!node.isMissingNode() && !node.isNull()) {
      throw error(path, node.toString(), "must be a map");
    }
    return names;
  }

  /** Fails on the first key in the file that nothing read. */
  void rejectUnknownKeys() {
    rejectUnknownKeys(leaf -> "unknown configuration key " + leaf);
  }

  /** Fails on the first key in the file that nothing read, with {@code message} of its path. */
  void rejectUnknownKeys(Function<String, String> message) {
    List<String> leaves = new ArrayList<>();
    collectLeaves(root, "", leaves);
    for (String leaf : leaves) {
      if (!read.contains(leaf)) {
        throw new ConfigException(message.apply(leaf));
      }
    }
  }

  /**
   * Builds a config record, whose validation holds the bounds and names the key, turning its
   * exception into a configuration error ({@link #recordError}).
   */
  <T> T validated(Supplier<T> construction) {
    try {
      return construction.get();
    } catch (IllegalArgumentException | IllegalStateException | NullPointerException e) {
      throw recordError(e.getMessage());
    }
  }

  /**
   * A config record's own validation message, which names the key, with the variable that set the
   * key added when it came from the environment.
   */
  ConfigException recordError(String message) {
    String fromEnv = null;
    for (String path : read) {
      if (env.containsKey(envName(path)) && message.contains(path)
          && (fromEnv == null || path.length() > fromEnv.length())) {
        fromEnv = path;
      }
    }
    return new ConfigException(fromEnv == null ? message : message + " (from " + envName(fromEnv) + ")");
  }

  /**
   * The {@code SLUICE_*} variables that set nothing: a misspelled or outdated name. {@code others}
   * are variables read elsewhere ({@code SLUICE_CONFIG}, ...). Each entry is a warning that names
   * the closest setting.
   */
  List<String> unusedVariables(Set<String> others) {
    Set<String> known = new HashSet<>(others);
    for (String path : read) {
      known.add(envName(path));
    }
    List<String> warnings = new ArrayList<>();
    for (String name : new TreeSet<>(env.keySet())) {
      if (!name.startsWith("SLUICE_") || known.contains(name) || KUBERNETES_SERVICE_LINK.matcher(name).matches()) {
        continue;
      }
      String closest = null;
      int best = Integer.MAX_VALUE;
      for (String candidate : known) {
        int distance = EditDistance.between(name, candidate);
        if (distance < best) {
          best = distance;
          closest = candidate;
        }
      }
      warnings.add(name + " is not a Sluice setting and is ignored"
          + (closest != null && best <= Math.max(3, name.length() / 4) ? "; did you mean " + closest + "?" : ""));
    }
    return warnings;
  }

  ConfigException error(String path, String value, String rule) {
    String from = env.containsKey(envName(path)) ? " (from " + envName(path) + ")" : "";
    return new ConfigException(path + " = " + value + from + ": " + rule);
  }

  private <T> T parse(String path, String defaultText, Function<String, T> parser) {
    read.add(path);
    String text = env.get(envName(path));
    if (text == null) {
      JsonNode node = node(path);
      if (node.isMissingNode() || node.isNull()) {
        if (defaultText == null) {
          throw new ConfigException(path + " is required");
        }
        text = defaultText;
      } else if (node.isContainerNode()) {
        throw error(path, node.toString(), "must be a single value");
      } else {
        text = node.asText();
      }
    }
    try {
      return parser.apply(text);
    } catch (IllegalArgumentException e) {
      throw error(path, text, e.getMessage());
    }
  }

  private JsonNode node(String path) {
    JsonNode node = root;
    for (String segment : splitPath(path)) {
      node = node.path(segment);
    }
    return node;
  }

  /** Paths are dot-separated, except that a map key may itself contain dots: {@code endpoints."build.start".rps}. */
  private static List<String> splitPath(String path) {
    List<String> segments = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean quoted = false;
    for (char c : path.toCharArray()) {
      if (c == '"') {
        quoted = !quoted;
      } else if (c == '.' && !quoted) {
        segments.add(current.toString());
        current.setLength(0);
      } else {
        current.append(c);
      }
    }
    segments.add(current.toString());
    return segments;
  }

  /** Builds the path of a map entry's field, quoting a key that contains dots. */
  static String entryPath(String section, String key, String field) {
    String quotedKey = key.contains(".") ? "\"" + key + "\"" : key;
    return section + "." + quotedKey + "." + field;
  }

  private static void collectLeaves(JsonNode node, String prefix, List<String> out) {
    if (node.isObject()) {
      Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
      while (fields.hasNext()) {
        var field = fields.next();
        String key = field.getKey().contains(".") ? "\"" + field.getKey() + "\"" : field.getKey();
        String path = prefix.isEmpty() ? key : prefix + "." + key;
        if (field.getValue().isObject() && field.getValue().size() > 0) {
          collectLeaves(field.getValue(), path, out);
        } else {
          out.add(path);
        }
      }
    }
  }
}
