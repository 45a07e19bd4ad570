package network.notifi.sluice.api.http;

/**
 * How deeply JSON text nests arrays and objects, counted in one pass over the bytes before any parser
 * sees them, so that a body of 100,000 brackets costs a loop, not a parser's recursion.
 */
final class JsonDepth {

  private JsonDepth() {}

  /** Whether {@code json} nests deeper than {@code max}; brackets inside strings do not count. */
  static boolean exceeds(byte[] json, int max) {
    int depth = 0;
    boolean inString = false;
    boolean escaped = false;
    for (byte b : json) {
      if (inString) {
        if (escaped) {
          escaped = false;
        } else if (b == '\\') {
          escaped = true;
        } else if (b == '"') {
          inString = false;
        }
      } else if (b == '"') {
        inString = true;
      } else if (b == '{' || b == '[') {
        if (++depth > max) {
          return true;
        }
      } else if (b == '}' || b == ']') {
        depth--;
      }
    }
    return false;
  }
}
