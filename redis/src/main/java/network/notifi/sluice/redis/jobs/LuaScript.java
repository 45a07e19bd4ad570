package network.notifi.sluice.redis.jobs;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import network.notifi.sluice.redis.internal.LuaResource;
import org.redisson.api.RScript;
import org.redisson.api.RScript.Mode;
import org.redisson.api.RScript.ReturnType;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.OptionalOptions;
import org.redisson.client.codec.StringCodec;

/**
 * One Lua script, run with {@code EVALSHA} and loaded by a plain {@code EVAL} on the node that
 * answers {@code NOSCRIPT} (a new or restarted server). Routed by its first key, so every key of one
 * call must share that key's hash tag. The scripts are files under {@code redis/src/main/resources/}
 * ({@link #load}); each file's header names its KEYS, ARGV and reply. Thread-safe.
 */
final class LuaScript {

  private static final OptionalOptions ONCE = OptionalOptions.defaults().codec(StringCodec.INSTANCE).retryAttempts(0);

  private final String text;
  private final String sha;

  private LuaScript(String text) {
    this.text = text;
    this.sha = sha1(text);
  }

  /** Script file {@code name} with the functions files it uses, read and hashed once. */
  static LuaScript load(String name) {
    return new LuaScript(LuaResource.read(name));
  }

  /** The SHA-1 that {@code EVALSHA} names the script by. */
  String sha() {
    return sha;
  }

  <R> CompletableFuture<R> run(RedissonClient client, ReturnType type, List<Object> keys, Object... args) {
    return run(client.getScript(StringCodec.INSTANCE), type, keys, args);
  }

  /**
   * As {@link #run(RedissonClient, ReturnType, List, Object...)}, sent once: no retry after a timeout,
   * so the call fails within one attempt (at most twice {@code redis.command_timeout}: the wait to
   * write it, then the wait for its reply), and nothing is sent after it failed.
   */
  <R> CompletableFuture<R> runOnce(RedissonClient client, ReturnType type, List<Object> keys, Object... args) {
    return run(client.getScript(ONCE), type, keys, args);
  }

  private <R> CompletableFuture<R> run(RScript script, ReturnType type, List<Object> keys, Object... args) {
    String route = (String) keys.get(0);
    CompletableFuture<R> first =
        script.<R>evalShaAsync(route, Mode.READ_WRITE, sha, type, keys, args).toCompletableFuture();
    return first.exceptionallyCompose(error -> {
      if (isNoScript(error)) {
        return script.<R>evalAsync(route, Mode.READ_WRITE, text, type, keys, args).toCompletableFuture();
      }
      return CompletableFuture.failedFuture(error);
    });
  }

  private static boolean isNoScript(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (!(t instanceof CompletionException) && t.getMessage() != null && t.getMessage().contains("NOSCRIPT")) {
        return true;
      }
    }
    return false;
  }

  private static String sha1(String text) {
    try {
      byte[] digest = MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-1 is not available", e);
    }
  }
}
