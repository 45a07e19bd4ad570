package network.notifi.sluice.jobs;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Where a build stands. {@link #QUEUED} and {@link #RUNNING} are active; the other two are final. */
public enum BuildState {
  QUEUED,
  RUNNING,
  SUCCEEDED,
  FAILED;

  /** The lower-case name used on the wire and in storage, e.g. {@code "running"}. */
  public String code() {
    return name().toLowerCase(Locale.ROOT);
  }

  /**
   * The state whose {@link #code()} is {@code code}, exactly: what a store wrote, read back.
   *
   * @throws IllegalArgumentException "no build state has code 'x' (the codes are queued, running, ...)"
   */
  public static BuildState ofCode(String code) {
    for (BuildState state : values()) {
      if (state.code().equals(code)) {
        return state;
      }
    }
    throw new IllegalArgumentException("no build state has code " + (code == null ? "null" : "'" + code + "'")
        + " (the codes are " + Arrays.stream(values()).map(BuildState::code).collect(Collectors.joining(", ")) + ")");
  }

  public boolean isActive() {
    return this == QUEUED || this == RUNNING;
  }
}
