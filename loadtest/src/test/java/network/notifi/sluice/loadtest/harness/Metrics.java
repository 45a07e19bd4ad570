package network.notifi.sluice.loadtest.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Samples of one Prometheus text scrape, summed by name and label filter. */
record Metrics(List<Sample> samples) {
  private static final Pattern LINE = Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)})?\\s+(\\S+).*$");
  private static final Pattern LABEL = Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

  record Sample(String name, Map<String, String> labels, double value) {}

  static Metrics parse(String text) {
    List<Sample> out = new ArrayList<>();
    for (String line : text.split("\n")) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      Matcher m = LINE.matcher(line);
      if (!m.matches()) {
        continue;
      }
      Map<String, String> labels = new java.util.HashMap<>();
      if (m.group(3) != null) {
        Matcher l = LABEL.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      try {
        out.add(new Sample(m.group(1), labels, Double.parseDouble(m.group(4))));
      } catch (NumberFormatException e) {
        // NaN and the like are skipped
      }
    }
    return new Metrics(out);
  }

  double sum(String name, Predicate<Map<String, String>> labels) {
    return samples.stream().filter(s -> s.name.equals(name) && labels.test(s.labels))
        .mapToDouble(Sample::value).sum();
  }

  double sum(String name, String label, String value) {
    return sum(name, l -> value.equals(l.get(label)));
  }

  boolean has(String name) {
    return samples.stream().anyMatch(s -> s.name.equals(name));
  }
}
