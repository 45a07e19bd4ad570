package network.notifi.sluice.common;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Checks of setting values whose messages name the setting, the rule and the value, worded the
 * same in every module.
 */
public final class Settings {

  private Settings() {}

  /**
   * The constant of {@code type} named {@code value}, in any case, surrounding blanks ignored.
   *
   * @throws IllegalArgumentException "{@code key} must be one of a, b, was 'x'"
   */
  public static <E extends Enum<E>> E parseEnum(Class<E> type, String key, String value) {
    String name = value == null ? "" : value.trim();
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(name)) {
        return constant;
      }
    }
    String allowed = Arrays.stream(type.getEnumConstants())
        .map(constant -> constant.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", "));
    throw new IllegalArgumentException(key + " must be one of " + allowed + ", was '" + value + "'");
  }

  /**
   * {@code value}, when it is set and longer than zero.
   *
   * @throws IllegalArgumentException "{@code key} must be a positive duration, was PT0S"
   */
  public static Duration requirePositive(String key, Duration value) {
    if (value == null || value.isNegative() || value.isZero()) {
      throw new IllegalArgumentException(key + " must be a positive duration, was " + value);
    }
    return value;
  }
}
