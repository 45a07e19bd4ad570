package network.notifi.sluice.redis.internal;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** Reads the Lua scripts kept as files under {@code network/notifi/sluice/redis/lua/} on the classpath. */
public final class LuaResource {

  private static final String FOLDER = "/network/notifi/sluice/redis/lua/";

  private LuaResource() {}

  /**
   * The text of script {@code name} (e.g. {@code bucket-cas.lua}).
   *
   * @throws IllegalStateException if the script is not on the classpath
   */
  public static String read(String name) {
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
