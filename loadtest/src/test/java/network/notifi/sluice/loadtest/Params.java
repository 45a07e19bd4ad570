package network.notifi.sluice.loadtest;

/** Simulation parameters, read from system properties {@code sluice.*} with a default each. */
public final class Params {
  private Params() {}

  /** Where the traffic goes: {@code sluice.baseUrl}, one URL or several separated by commas. */
  public static java.util.List<String> baseUrls() {
    return java.util.Arrays.stream(str("sluice.baseUrl", "http://127.0.0.1:8080").split(","))
        .map(String::trim).filter(u -> !u.isEmpty()).toList();
  }

  public static String str(String key, String def) {
    String v = System.getProperty(key);
    return v == null || v.isBlank() ? def : v.trim();
  }

  public static int integer(String key, int def) {
    return Integer.parseInt(str(key, Integer.toString(def)));
  }

  public static double dbl(String key, double def) {
    return Double.parseDouble(str(key, Double.toString(def)));
  }
}
