package network.notifi.sluice.api.config;

import java.math.BigDecimal;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Parses durations as written in the seed's configuration: {@code 100ms}, {@code 30s}, {@code 5m},
 * {@code 1h}, {@code 2d}, also with a decimal fraction ({@code 3.2s}, {@code 1.5m}) as long as the
 * result is a whole number of milliseconds.
 */
public final class Durations {

  private static final Pattern DURATION = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h|d)");

  private Durations() {}

  /**
   * Parses one duration.
   *
   * @throws IllegalArgumentException naming the accepted forms when {@code text} is not one of them
   */
  public static Duration parse(String text) {
    Matcher m = DURATION.matcher(text.trim());
    if (!m.matches()) {
      throw new IllegalArgumentException("must be a duration like 100ms, 3.2s, 5m, 1h or 2d");
    }
    long unitMillis = switch (m.group(2)) {
      case "ms" -> 1;
      case "s" -> 1_000;
      case "m" -> 60_000;
      case "h" -> 3_600_000;
      default -> 86_400_000;
    };
    BigDecimal millis = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unitMillis));
    try {
      return Duration.ofMillis(millis.longValueExact());
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("must be a whole number of milliseconds and at most 292 million years");
    }
  }

  /** The shortest exact form of a duration in the units {@link #parse} accepts. */
  public static String format(Duration duration) {
    long ms = duration.toMillis();
    if (ms % 86_400_000 == 0 && ms > 0) {
      return ms / 86_400_000 + "d";
    }
    if (ms % 3_600_000 == 0 && ms > 0) {
      return ms / 3_600_000 + "h";
    }
    if (ms % 60_000 == 0 && ms > 0) {
      return ms / 60_000 + "m";
    }
    if (ms % 1_000 == 0) {
      return ms / 1_000 + "s";
    }
    if (ms > 1_000 && ms % 100 == 0) {
      return BigDecimal.valueOf(ms, 3).stripTrailingZeros().toPlainString() + "s";
    }
    return ms + "ms";
  }
}
