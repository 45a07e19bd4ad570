package network.notifi.sluice.redis.jobs;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

/** The check that guards "every key in KEYS": it passes a script that keeps the rule and names each way to break it. */
class LuaKeyCheckTest {

  private static final String HEADER = """
      -- Reads a thing.
      --
      -- KEYS[1]  thing   a string
      -- ARGV[1]  now     epoch ms
      --
      -- Returns the thing.
      """;

  private static List<String> problems(String script) {
    return LuaKeyCheck.problems(script, script);
  }

  @Test
  void keysFromKeysThroughTablesAndParametersPass() {
    String functions = """
        local function read(t, key)
          return redis.call('GET', key) or redis.call('GET', t.thing)
        end
        """;
    String script = HEADER + """
        local t = {thing = KEYS[1]}
        return read(t, KEYS[1]) .. ARGV[1]
        """;

    assertThat(LuaKeyCheck.problems(script, functions + script)).isEmpty();
  }

  @Test
  void aKeyWrittenInTheScriptIsReported() {
    assertThat(problems(HEADER + "return redis.call('GET', 'sluice:other') .. KEYS[1] .. ARGV[1]\n"))
        .singleElement().asString().contains("'sluice:other'");
  }

  @Test
  void aKeyFromArgvIsReported() {
    assertThat(problems(HEADER + "return redis.call('GET', ARGV[1]) .. KEYS[1]\n"))
        .singleElement().asString().contains("ARGV[1]");
  }

  @Test
  void aKeyReachingAFunctionFromArgvIsReported() {
    String functions = "local function read(key) return redis.call('GET', key) end\n";
    String script = HEADER + "return read(ARGV[1]) .. KEYS[1]\n";

    assertThat(LuaKeyCheck.problems(script, functions + script)).singleElement().asString().contains("ARGV[1]");
  }

  @Test
  void aLocalFromArgvIsReportedThoughAFunctionParameterOfTheSameNameTakesKeys() {
    String functions = "local function read(key)\n  return redis.call('GET', key)\nend\n";
    String script = HEADER + "local key = ARGV[1]\nreturn read(KEYS[1]) .. redis.call('GET', key)\n";

    assertThat(LuaKeyCheck.problems(script, functions + script)).singleElement().asString().contains("ARGV[1]");
  }

  @Test
  void aTableFieldFromArgvIsReported() {
    String script = HEADER + "local t = {thing = ARGV[1]}\nreturn redis.call('GET', t.thing) .. KEYS[1]\n";

    assertThat(problems(script)).singleElement().asString().contains("ARGV[1]");
  }

  @Test
  void aKeyBuiltFromAnArgvNotDeclaredAKeyPrefixIsReported() {
    assertThat(problems(HEADER + "return redis.call('GET', ARGV[1] .. 'x') .. KEYS[1]\n"))
        .anySatisfy(p -> assertThat(p).contains("does not call a key prefix"));
  }

  @Test
  void aKeyBuiltFromADeclaredPrefixPassesOnlyWithItsReason() {
    String header = """
        -- Reads a line.
        --
        -- KEYS[1]  thing        a string
        -- ARGV[1]  line_prefix  key prefix of the lines
        --
        -- Returns the line.
        """;
    String code = "return redis.call('GET', ARGV[1] .. redis.call('GET', KEYS[1]))\n";
    String reason = "-- Built keys: ARGV[1] .. <line>; the prefix carries the hash tag of KEYS[1].\n";

    assertThat(problems(header + code)).singleElement().asString().contains("no 'Built keys' paragraph");
    assertThat(problems(reason + header + code)).isEmpty();
  }

  @Test
  void keysAndArgumentsTheHeaderDoesNotNameAreReported() {
    assertThat(problems(HEADER + "return redis.call('GET', KEYS[2]) .. ARGV[2]\n"))
        .anySatisfy(p -> assertThat(p).contains("uses KEYS [2] but its header names KEYS [1]"))
        .anySatisfy(p -> assertThat(p).contains("uses ARGV [2] but its header names ARGV [1]"));
  }

  @Test
  void aCommandWhoseKeysTheCheckDoesNotKnowIsReported() {
    assertThat(problems(HEADER + "return redis.call('RENAME', KEYS[1], 'b') .. ARGV[1]\n"))
        .singleElement().asString().contains("RENAME");
  }

  @Test
  void aFunctionsFileThatReadsKeysIsReported() {
    assertThat(LuaKeyCheck.functionsProblems("local function f() return redis.call('GET', KEYS[1]) end\n"))
        .isNotEmpty();
  }
}
