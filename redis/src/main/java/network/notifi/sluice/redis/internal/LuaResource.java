package network.notifi.sluice.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the Lua scripts kept as files under {@code network/notifi/sluice/redis/lua/} on the classpath.
 *
 * <p>A script that calls functions kept in a file of their own names that file in a line {@code --
 * uses: <file>} at its top. {@link #read} puts the text of every file so named before the script's
 * own, in the order named, so the functions are defined when the script's body calls them. A
 * functions file names no other file.
 */
public final class LuaResource {

  private static final String FOLDER = "/network/notifi/sluice/redis/lua/";
  private static final Pattern USES = Pattern.compile("(?m)^-- uses: (\\S+)\\s*$");

  private LuaResource() {}

  /**
   * The text of script {@code name} (e.g. {@code bucket-cas.lua}), preceded by the functions files it
   * names with {@code -- uses:}: the text to send to Redis.
   *
   * @throws IllegalStateException if a file is not on the classpath, or a functions file names another
   */
  public static String read(String name) {
    String script = file(name);
    StringBuilder text = new StringBuilder();
    for (String used : uses(script)) {
      String functions = file(used);
      if (!uses(functions).isEmpty()) {
        throw new IllegalStateException("Lua functions file " + FOLDER + used + " (used by " + name
            + ") names other files with '-- uses:'; only a script may");
      }
      text.append(functions);
    }
    return text.append(script).toString();
  }

  /** The files that {@code text} names in its {@code -- uses:} lines, in order. */
  public static List<String> uses(String text) {
    List<String> names = new ArrayList<>();
    Matcher m = USES.matcher(text);
    while (m.find()) {
      names.add(m.group(1));
    }
    return names;
  }

  /** The text of the one file {@code name}, as it is on the classpath. */
  public static String file(String name) {
    try (InputStream in = LuaResource.class.getResourceAsStream(FOLDER + name)) {
      if (in == null) {
        throw new IllegalStateException("Lua script " + FOLDER + name + " is not on the classpath");
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("Lua script " + FOLDER + name + " cannot be read", e);
    }
  }
}
