package network.notifi.sluice.loadtest.harness;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Properties;

/** What one simulation counted ({@code Tally}): answers by request name and outcome, and its timing. */
record Outcomes(Properties props) {
  static Outcomes read(Path file) throws Exception {
    Properties p = new Properties();
    if (Files.exists(file)) {
      try (Reader r = Files.newBufferedReader(file)) {
        p.load(r);
      }
    }
    return new Outcomes(p);
  }

  /** Answers whose key starts with {@code prefix}, e.g. {@code abusive.202} or {@code build.start.}. */
  long count(String prefix) {
    return props.stringPropertyNames().stream().filter(k -> k.startsWith("count." + prefix))
        .mapToLong(k -> Long.parseLong(props.getProperty(k))).sum();
  }

  long ko() {
    return props.stringPropertyNames().stream().filter(k -> k.startsWith("count.") && k.endsWith(".KO"))
        .mapToLong(k -> Long.parseLong(props.getProperty(k))).sum();
  }

  /** A latency figure in ms, e.g. {@code p99Ms}, of all requests; -1 when none was timed. */
  double latency(String key) {
    return Double.parseDouble(props.getProperty("latency." + key, "-1"));
  }

  /** Seconds from the first request sent to the last answer received. */
  double span() {
    return (ms("lastAnswerMs") - ms("firstSendMs")) / 1000.0;
  }

  /** Seconds from the first request sent to the last one sent. */
  double sendSpan() {
    return (ms("lastSendMs") - ms("firstSendMs")) / 1000.0;
  }

  private long ms(String key) {
    return Long.parseLong(props.getProperty(key, "0"));
  }

  @Override
  public String toString() {
    StringBuilder b = new StringBuilder();
    new java.util.TreeSet<>(props.stringPropertyNames()).stream().filter(k -> k.startsWith("count."))
        .forEach(k -> b.append(k.substring(6)).append('=').append(props.getProperty(k)).append(' '));
    return b.toString().trim();
  }
}
