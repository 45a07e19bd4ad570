package network.notifi.sluice.redis.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import network.notifi.sluice.redis.internal.LuaResource;
import network.notifi.sluice.redis.testing.RedisServers;
import network.notifi.sluice.redis.testing.Resp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every Lua script file under {@code redis/src/main/resources/network/notifi/sluice/redis/lua/}: it
 * loads with the functions it uses, Redis parses it and names it by the SHA that {@code EVALSHA}
 * sends, and it keeps the rule "every key in KEYS" that its header states ({@link LuaKeyCheck}).
 */
class LuaScriptFilesTest {

  private static final String FUNCTIONS = "-functions.lua";

  static Stream<String> scripts() {
    return files().filter(name -> !name.endsWith(FUNCTIONS));
  }

  static Stream<String> functionsFiles() {
    return files().filter(name -> name.endsWith(FUNCTIONS));
  }

  private static Stream<String> files() {
    try (Stream<Path> listing = Files.list(Path.of(LuaResource.class.getResource("/network/notifi/sluice/redis/lua/")
        .toURI()))) {
      return listing.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(".lua")).sorted().toList().stream();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  @Test
  void theJobsScriptsAreAllFiles() {
    assertThat(scripts()).contains("jobs-admit.lua", "jobs-slots-acquire.lua", "jobs-queue-claim.lua",
        "jobs-records-put.lua", "jobs-backoff-window.lua", "bucket-cas.lua", "config-publish.lua");
    assertThat(functionsFiles()).containsExactly("jobs-backoff-functions.lua", "jobs-queue-functions.lua",
        "jobs-records-functions.lua", "jobs-slots-functions.lua");
  }

  @ParameterizedTest
  @MethodSource("scripts")
  void redisParsesTheScriptAndNamesItByTheShaWeSend(String name) {
    String sha = Resp.string(RedisServers.standalone().port(), "SCRIPT", "LOAD", LuaResource.read(name));

    assertThat(sha).isEqualTo(LuaScript.load(name).sha());
  }

  @ParameterizedTest
  @MethodSource("scripts")
  void everyKeyTheScriptTouchesComesFromKeysOrADeclaredPrefix(String name) {
    assertThat(LuaKeyCheck.problems(LuaResource.file(name), LuaResource.read(name))).isEmpty();
  }

  @ParameterizedTest
  @MethodSource("functionsFiles")
  void functionsTakeTheirKeysAsArguments(String name) {
    assertThat(LuaKeyCheck.functionsProblems(LuaResource.file(name))).isEmpty();
    assertThat(LuaResource.uses(LuaResource.file(name))).isEmpty();
  }

  @Test
  void everyFunctionsFileIsUsedByAScript() {
    List<String> used = scripts().flatMap(name -> LuaResource.uses(LuaResource.file(name)).stream()).toList();

    assertThat(used).containsAll(functionsFiles().toList());
  }

  @Test
  void aScriptReadsItsFunctionsFirstInTheOrderNamed() {
    String admit = LuaResource.read("jobs-admit.lua");

    assertThat(admit).startsWith(LuaResource.file("jobs-backoff-functions.lua"));
    assertThat(admit.indexOf("local function putRecord")).isLessThan(admit.indexOf("local function acquire"));
    assertThat(admit.indexOf("local function acquire")).isLessThan(admit.indexOf("local function enqueue"));
    assertThat(admit).endsWith(LuaResource.file("jobs-admit.lua"));
  }
}
