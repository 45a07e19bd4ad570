package network.notifi.sluice.common;

import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
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
    return findEnum(type, value).orElseThrow(
        () -> new IllegalArgumentException(key + " " + mustBeOneOf(type) + ", was '" + value + "'"));
  }

  /** The constant of {@code type} named {@code value}, in any case, surrounding blanks ignored; empty if none is. */
  public static <E extends Enum<E>> Optional<E> findEnum(Class<E> type, String value) {
    String name = value == null ? "" : value.trim();
    for (E constant : type.getEnumConstants()) {
      if (constant.name().equalsIgnoreCase(name)) {
        return Optional.of(constant);
      }
    }
    return Optional.empty();
  }

  /** The rule of an enum setting: "must be one of a, b", the constants in lower case. */
  public static String mustBeOneOf(Class<? extends Enum<?>> type) {
    return Arrays.stream(type.getEnumConstants())
        .map(constant -> constant.name().toLowerCase(Locale.ROOT))
        .collect(Collectors.joining(", ", "must be one of ", ""));
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

  /**
   * {@code value}, when it is set and not negative.
   *
   * @throws IllegalArgumentException "{@code key} must be zero or a positive duration, was PT-1S"
   */
  public static Duration requireNotNegative(String key, Duration value) {
    if (value == null || value.isNegative()) {
      throw new IllegalArgumentException(key + " must be zero or a positive duration, was " + value);
    }
    return value;
  }
}
