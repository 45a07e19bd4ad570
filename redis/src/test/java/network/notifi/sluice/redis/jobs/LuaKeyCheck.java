package network.notifi.sluice.redis.jobs;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A static check of one Lua script against the header at its top: every key argument of a {@code
 * redis.call} comes from KEYS (directly, through a table field set from KEYS, or through a function
 * parameter whose every caller passes such a key), or is built as {@code prefix .. name} from an
 * ARGV the header declares a key prefix, with the header's "Built keys" paragraph saying why; the
 * KEYS and ARGV the script uses are exactly those its header names; the header states the reply.
 *
 * <p>It reads our scripts' own shapes (table constructors {@code local s = {slots = KEYS[1], ...}},
 * {@code local function f(a, b)}), not all of Lua: what it cannot follow is reported as a problem,
 * so a new shape fails the check instead of passing it.
 */
final class LuaKeyCheck {

  /** Where each command we use takes its keys: the argument indexes after the command name. */
  private static final Map<String, String> KEY_ARGS = Map.ofEntries(
      Map.entry("DEL", "all"), Map.entry("EXISTS", "all"), Map.entry("XGROUP", "2"),
      Map.entry("XREADGROUP", "streams"));

  private static final Set<String> FIRST_ARG_IS_KEY = Set.of("GET", "SET", "PEXPIRE", "HGET", "HSET", "HDEL",
      "HGETALL", "HLEN", "HMGET", "HINCRBY", "ZADD", "ZREM", "ZSCORE", "ZCOUNT", "ZCARD", "ZRANGEBYSCORE",
      "ZREMRANGEBYSCORE", "XADD", "XRANGE", "XREVRANGE", "XCLAIM", "XAUTOCLAIM", "XACK", "XDEL", "XPENDING",
      "LPOS", "LRANGE", "LLEN", "LPUSH", "RPUSH", "LREM", "LPOP");

  private static final Pattern KEYS_REF = Pattern.compile("KEYS\\[(\\d+)\\]");
  private static final Pattern ARGV_REF = Pattern.compile("ARGV\\[(\\d+)\\]|unpack\\(ARGV,\\s*(\\d+)\\)");
  private static final Pattern HEADER_KEYS = Pattern.compile("(?m)^--\\s+KEYS\\[(\\d+)\\]\\s+\\S+");
  private static final Pattern HEADER_ARGV =
      Pattern.compile("(?m)^--\\s+ARGV\\[(\\d+)(\\.\\.)?\\]\\s+\\S+\\s*(.*)$");
  private static final Pattern FIELD = Pattern.compile("(\\w+)\\.(\\w+)");
  private static final Pattern NAME = Pattern.compile("[A-Za-z_]\\w*");
  private static final Pattern FUNCTION = Pattern.compile("local function (\\w+)\\(([^)]*)\\)");

  private static final Pattern BLOCK = Pattern.compile("\\b(function|if|do|repeat|end|until)\\b");

  /** A function defined in the code: its parameters and where its text starts and ends. */
  private record LuaFunction(String name, List<String> params, int start, int end) {}

  /** A call in the code: where it starts and its arguments. */
  private record Call(int at, List<String> args) {}

  private final String code;
  private final List<LuaFunction> functions = new ArrayList<>();
  private final Set<Integer> declaredKeys = new TreeSet<>();
  private final Set<Integer> declaredArgs = new TreeSet<>();
  private final Set<Integer> prefixArgs = new TreeSet<>();
  private final Set<Integer> prefixesUsed = new TreeSet<>();
  private final boolean explainsBuiltKeys;
  private final boolean statesReply;
  private final List<String> problems = new ArrayList<>();

  private LuaKeyCheck(String file, String composed) {
    this.code = withoutComments(composed);
    String header = header(file);
    HEADER_KEYS.matcher(header).results().forEach(m -> declaredKeys.add(Integer.parseInt(m.group(1))));
    HEADER_ARGV.matcher(header).results().forEach(m -> {
      declaredArgs.add(Integer.parseInt(m.group(1)));
      if (m.group(3).contains("key prefix")) {
        prefixArgs.add(Integer.parseInt(m.group(1)));
      }
    });
    this.explainsBuiltKeys = header.contains("Built keys");
    this.statesReply = Pattern.compile("(?m)^-- Returns").matcher(header).find();
    Matcher fn = FUNCTION.matcher(code);
    while (fn.find()) {
      functions.add(new LuaFunction(fn.group(1), List.of(fn.group(2).split("\\s*,\\s*")), fn.start(),
          blockEnd(fn.start())));
    }
  }

  /**
   * The problems of script {@code file} (its own text, whose header is checked) when run as {@code
   * composed} (its text with the functions files it uses); empty when it keeps the rules.
   */
  static List<String> problems(String file, String composed) {
    var check = new LuaKeyCheck(file, composed);
    check.run();
    return check.problems;
  }

  /** The problems of a functions file: functions take their keys as arguments, never from KEYS or ARGV. */
  static List<String> functionsProblems(String file) {
    String code = withoutComments(file);
    List<String> found = new ArrayList<>();
    if (KEYS_REF.matcher(code).find() || ARGV_REF.matcher(code).find()) {
      found.add("a functions file reads KEYS or ARGV; pass keys and arguments to its functions instead");
    }
    return found;
  }

  private void run() {
    if (!statesReply) {
      problems.add("the header does not state the reply (a line '-- Returns ...')");
    }
    Set<Integer> usedKeys = new TreeSet<>();
    KEYS_REF.matcher(code).results().forEach(m -> usedKeys.add(Integer.parseInt(m.group(1))));
    if (!usedKeys.equals(declaredKeys)) {
      problems.add("the script uses KEYS " + usedKeys + " but its header names KEYS " + declaredKeys);
    }
    Set<Integer> usedArgs = new TreeSet<>();
    ARGV_REF.matcher(code).results()
        .forEach(m -> usedArgs.add(Integer.parseInt(m.group(1) != null ? m.group(1) : m.group(2))));
    if (!usedArgs.equals(declaredArgs)) {
      problems.add("the script uses ARGV " + usedArgs + " but its header names ARGV " + declaredArgs);
    }
    for (Call call : calls("redis.call")) {
      List<String> args = call.args();
      String command = unquote(args.get(0)).toUpperCase(Locale.ROOT);
      for (String key : keyArgs(command, args.subList(1, args.size()))) {
        checkKey(key, call.at(), "redis.call(" + String.join(", ", args) + ")", 0);
      }
    }
    if (!prefixesUsed.isEmpty() && !explainsBuiltKeys) {
      problems.add("the script builds keys from ARGV " + prefixesUsed
          + " but its header has no 'Built keys' paragraph saying which and why that is safe");
    }
    Set<Integer> unusedPrefixes = new TreeSet<>(prefixArgs);
    unusedPrefixes.removeAll(prefixesUsed);
    if (!unusedPrefixes.isEmpty()) {
      problems.add("the header calls ARGV " + unusedPrefixes + " a key prefix but no key is built from it");
    }
  }

  private List<String> keyArgs(String command, List<String> args) {
    if (FIRST_ARG_IS_KEY.contains(command)) {
      return args.subList(0, 1);
    }
    String where = KEY_ARGS.get(command);
    if (where == null) {
      problems.add("the check does not know where " + command + " takes its keys: add it to LuaKeyCheck");
      return List.of();
    }
    return switch (where) {
      case "all" -> args;
      case "streams" -> {
        int at = args.indexOf("'STREAMS'") + 1;
        yield args.subList(at, at + (args.size() - at) / 2);
      }
      default -> args.subList(Integer.parseInt(where) - 1, Integer.parseInt(where));
    };
  }

  /**
   * Reports {@code expr}, a key argument of {@code call} written at offset {@code at}, unless it comes
   * from KEYS or a declared prefix.
   */
  private void checkKey(String expr, int at, String call, int depth) {
    String e = expr.trim();
    if (depth > 8) {
      problems.add("cannot follow key " + e + " in " + call);
      return;
    }
    Matcher keys = KEYS_REF.matcher(e);
    if (keys.matches()) {
      return;
    }
    int concat = topLevel(e, "..");
    if (concat >= 0) {
      checkPrefix(e.substring(0, concat), at, call, depth + 1);
      return;
    }
    for (Call source : sources(e, at, call)) {
      checkKey(source.args().get(0), source.at(), call, depth + 1);
    }
  }

  private void checkPrefix(String expr, int at, String call, int depth) {
    String e = expr.trim();
    Matcher argv = Pattern.compile("ARGV\\[(\\d+)\\]").matcher(e);
    if (argv.matches()) {
      int n = Integer.parseInt(argv.group(1));
      prefixesUsed.add(n);
      if (!prefixArgs.contains(n)) {
        problems.add("a key is built from ARGV[" + n + "], which the header does not call a key prefix, in " + call);
      }
      return;
    }
    if (depth > 8) {
      problems.add("cannot follow key prefix " + e + " in " + call);
      return;
    }
    for (Call source : sources(e, at, call)) {
      checkPrefix(source.args().get(0), source.at(), call, depth + 1);
    }
  }

  /**
   * The expressions that name {@code e}, written at offset {@code at}, stands for, each with where it
   * is written: a table field's values in the table's constructors; a parameter of the function around
   * {@code at}, its arguments at every call of that function; else a local's values in the same
   * function (or outside all). A name of none of these shapes is reported and stands for nothing.
   */
  private List<Call> sources(String e, int at, String call) {
    List<Call> found = new ArrayList<>();
    Matcher field = FIELD.matcher(e);
    if (field.matches()) {
      found.addAll(tableField(field.group(1), field.group(2)));
      if (found.isEmpty()) {
        problems.add("no table constructor 'local " + field.group(1) + " = {" + field.group(2) + " = ...}' for " + e
            + " in " + call);
      }
      return found;
    }
    if (!NAME.matcher(e).matches()) {
      problems.add("key " + e + " is neither from KEYS nor built from a declared key prefix, in " + call);
      return found;
    }
    LuaFunction around = enclosing(at);
    if (around != null && around.params().contains(e)) {
      int index = around.params().indexOf(e);
      for (Call c : calls(around.name())) {
        if (index < c.args().size()) {
          found.add(new Call(c.at(), List.of(c.args().get(index))));
        }
      }
      return found;
    }
    Matcher local = Pattern.compile("(?m)^\\s*local " + e + " = (.+)$").matcher(code);
    while (local.find()) {
      if (enclosing(local.start(1)) == around) {
        found.add(new Call(local.start(1), List.of(local.group(1))));
      }
    }
    if (found.isEmpty()) {
      problems.add("cannot tell where key " + e + " comes from in " + call);
    }
    return found;
  }

  /** The innermost function whose text holds offset {@code at}, or null outside all. */
  private LuaFunction enclosing(int at) {
    LuaFunction inner = null;
    for (LuaFunction f : functions) {
      if (f.start() <= at && at < f.end() && (inner == null || f.start() > inner.start())) {
        inner = f;
      }
    }
    return inner;
  }

  /** The offset just after the {@code end} that closes the block opened at {@code start}. */
  private int blockEnd(int start) {
    Matcher m = BLOCK.matcher(blankStrings(code));
    int depth = 0;
    m.region(start, code.length());
    while (m.find()) {
      depth += switch (m.group(1)) {
        case "end", "until" -> -1;
        default -> 1;
      };
      if (depth == 0) {
        return m.end();
      }
    }
    throw new IllegalArgumentException("no end for the block at: " + code.substring(start));
  }

  private List<Call> tableField(String table, String name) {
    List<Call> values = new ArrayList<>();
    Matcher m = Pattern.compile("local " + table + " = \\{").matcher(code);
    while (m.find()) {
      int open = m.end() - 1;
      String body = code.substring(open + 1, closing(code, open));
      for (String part : split(body)) {
        int eq = part.indexOf('=');
        if (eq > 0 && part.substring(0, eq).trim().equals(name)) {
          values.add(new Call(m.start(), List.of(part.substring(eq + 1).trim())));
        }
      }
    }
    return values;
  }

  /** The argument lists of every call {@code name(...)} in the code, definitions left out. */
  private List<Call> calls(String name) {
    List<Call> all = new ArrayList<>();
    Matcher m = Pattern.compile("(?<![\\w.])" + Pattern.quote(name) + "\\(").matcher(code);
    while (m.find()) {
      if (code.substring(0, m.start()).endsWith("function ")) {
        continue;
      }
      int open = m.end() - 1;
      all.add(new Call(m.start(), split(code.substring(open + 1, closing(code, open)))));
    }
    return all;
  }

  private static String header(String file) {
    StringBuilder header = new StringBuilder();
    for (String line : file.split("\n")) {
      if (!line.startsWith("--")) {
        break;
      }
      header.append(line).append('\n');
    }
    return header.toString();
  }

  /** The code without {@code --} comments (outside string literals). */
  static String withoutComments(String text) {
    StringBuilder out = new StringBuilder();
    char quote = 0;
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote == 0 && c == '-' && text.startsWith("--", i)) {
        while (i < text.length() && text.charAt(i) != '\n') {
          i++;
        }
        out.append('\n');
        continue;
      }
      if (quote == 0 && (c == '\'' || c == '"')) {
        quote = c;
      } else if (quote == c && text.charAt(i - 1) != '\\') {
        quote = 0;
      }
      out.append(c);
    }
    return out.toString();
  }

  /** {@code s} with the text inside string literals replaced by spaces, so no keyword is found there. */
  private static String blankStrings(String s) {
    StringBuilder out = new StringBuilder(s);
    char quote = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0 && c == quote) {
        quote = 0;
      } else if (quote != 0) {
        out.setCharAt(i, ' ');
      } else if (c == '\'' || c == '"') {
        quote = c;
      }
    }
    return out.toString();
  }

  /** The index of the bracket that closes the one at {@code open}. */
  private static int closing(String s, int open) {
    String closer = String.valueOf(")]}".charAt("([{".indexOf(s.charAt(open))));
    int at = topLevel(s.substring(open + 1), closer);
    if (at < 0) {
      throw new IllegalArgumentException("unbalanced brackets from: " + s.substring(open));
    }
    return open + 1 + at;
  }

  /** {@code s} split at its top-level commas, each part trimmed. */
  private static List<String> split(String s) {
    List<String> parts = new ArrayList<>();
    String rest = s;
    for (int comma = topLevel(rest, ","); comma >= 0; comma = topLevel(rest, ",")) {
      parts.add(rest.substring(0, comma).trim());
      rest = rest.substring(comma + 1);
    }
    if (!rest.isBlank()) {
      parts.add(rest.trim());
    }
    return parts;
  }

  /** The index of the first {@code token} outside brackets and strings, or -1. */
  private static int topLevel(String s, String token) {
    int depth = 0;
    char quote = 0;
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (quote != 0) {
        quote = c == quote ? 0 : quote;
      } else if (depth == 0 && s.startsWith(token, i)) {
        return i;
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if ("([{".indexOf(c) >= 0) {
        depth++;
      } else if (")]}".indexOf(c) >= 0) {
        depth--;
      }
    }
    return -1;
  }

  private static String unquote(String s) {
    String t = s.trim();
    return t.length() >= 2 && (t.charAt(0) == '\'' || t.charAt(0) == '"') ? t.substring(1, t.length() - 1) : t;
  }
}
