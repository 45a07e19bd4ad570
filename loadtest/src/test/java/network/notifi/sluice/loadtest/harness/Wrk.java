package network.notifi.sluice.loadtest.harness;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Debian's {@code wrk} as a closed-loop load generator: {@code threads} threads keep {@code
 * connections} keep-alive connections busy for a given time and report the rate and latency
 * percentiles. Lighter than Gatling on two shared cores (one C process, no JVM).
 */
final class Wrk {
  static final int THREADS = 2;

  /** What to send: {@code GET /health/live}, or a {@code build.start} through the limiter. */
  record Load(String label, String path, String thirdPartyPrefix, int thirdParties, String parser) {
    /** The bare endpoint. */
    static Load live() {
      return new Load("bare", "/health/live", null, 0, null);
    }

    /**
     * {@code POST /events} of {@code build.start} for {@code parser}, from {@code thirdParties}
     * third parties {@code prefix0 .. prefixN-1} in turn, or, with {@code thirdParties} 0, from the
     * one third party {@code prefix}.
     */
    static Load events(String prefix, int thirdParties, String parser) {
      return new Load("events", "/events", prefix, thirdParties, parser);
    }
  }

  /** One run's figures as wrk reports them. */
  record Result(long requests, double seconds, double rps, double p50Ms, double p99Ms, long non2xx,
      String socketErrors, String raw) {
    boolean socketErrorsFree() {
      return socketErrors == null;
    }
  }

  private static final String SCRIPT = """
      -- POST /events (build.start) for wrk; written by the Sluice load-test harness.
      -- args: third-party prefix, number of third parties (0: the prefix is the one third party),
      --       parser id, run tag (makes every Ce-Id unique)
      local threads = 0
      local counter = 0
      local parties, prefix, tag, body
      local headers = {}

      function setup(thread)
        thread:set("id", threads)
        threads = threads + 1
      end

      function init(args)
        prefix = args[1]
        parties = tonumber(args[2])
        body = '{"parser_id":"' .. args[3] .. '"}'
        tag = args[4] .. "-" .. (id or 0) .. "-"
        if parties > 0 then counter = (id or 0) * math.floor(parties / 2) end
        headers["Ce-Type"] = "network.notifi.lambda.build.start"
        headers["Content-Type"] = "application/json"
        headers["X-Third-Party-ID"] = prefix
      end

      function request()
        counter = counter + 1
        headers["Ce-Id"] = tag .. counter
        if parties > 0 then headers["X-Third-Party-ID"] = prefix .. (counter % parties) end
        return wrk.format("POST", "/events", headers, body)
      end
      """;

  private Wrk() {}

  /** Starts wrk against {@code baseUrl} for {@code seconds}; its output goes to {@code dir/name.wrk.txt}. */
  static Proc start(Path dir, String name, String baseUrl, Load load, int connections, int seconds,
      String runTag) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("wrk", "-t" + THREADS, "-c" + connections,
        "-d" + seconds + "s", "--latency"));
    if (load.thirdPartyPrefix() != null) {
      Path script = dir.resolve("events.lua");
      if (!Files.exists(script)) {
        Files.writeString(script, SCRIPT);
      }
      cmd.addAll(List.of("-s", script.toString(), baseUrl + load.path(), "--", load.thirdPartyPrefix(),
          Integer.toString(load.thirdParties()), load.parser(), runTag));
    } else {
      cmd.add(baseUrl + load.path());
    }
    return Proc.start("wrk " + name, cmd, Map.of(), dir.resolve(name + ".wrk.txt"));
  }

  private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ([0-9.]+)(us|ms|s|m|h)");
  private static final Pattern RATE = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
  private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s|m|h)\\s*$",
      Pattern.MULTILINE);
  private static final Pattern NON_2XX = Pattern.compile("Non-2xx or 3xx responses: (\\d+)");
  private static final Pattern SOCKET = Pattern.compile("Socket errors: (.*)");

  static Result parse(String text) {
    Matcher r = REQUESTS.matcher(text);
    Matcher rate = RATE.matcher(text);
    if (!r.find() || !rate.find()) {
      throw new IllegalStateException("unexpected wrk output:\n" + text);
    }
    double p50 = -1;
    double p99 = -1;
    Matcher p = PERCENTILE.matcher(text);
    while (p.find()) {
      double ms = toMillis(Double.parseDouble(p.group(2)), p.group(3));
      if (p.group(1).equals("50")) {
        p50 = ms;
      } else {
        p99 = ms;
      }
    }
    Matcher n = NON_2XX.matcher(text);
    Matcher s = SOCKET.matcher(text);
    return new Result(Long.parseLong(r.group(1)), toMillis(Double.parseDouble(r.group(2)), r.group(3)) / 1000,
        Double.parseDouble(rate.group(1)), p50, p99, n.find() ? Long.parseLong(n.group(1)) : 0,
        s.find() ? s.group(1).trim() : null, text);
  }

  private static double toMillis(double v, String unit) {
    return switch (unit) {
      case "us" -> v / 1000;
      case "ms" -> v;
      case "s" -> v * 1000;
      case "m" -> v * 60_000;
      case "h" -> v * 3_600_000;
      default -> throw new IllegalArgumentException("unknown wrk unit " + unit);
    };
  }
}
