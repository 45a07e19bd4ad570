package network.notifi.sluice.api.observability;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The alert rules in deploy/prometheus: valid for Prometheus, unit-tested with promtool, wrapped
 * unchanged in the PrometheusRule, and each one documented where its runbook link points.
 */
class AlertRulesTest {

  private static final Path RULES = RepoFiles.path("deploy/prometheus/sluice-alerts.yaml");
  private static final Path RULE_TESTS = RepoFiles.path("deploy/prometheus/sluice-alerts.test.yaml");
  private static final Path PROMETHEUS_RULE = RepoFiles.path("deploy/prometheus/sluice-prometheusrule.yaml");
  private static final Path OPERATIONS = RepoFiles.path("docs/operations.md");
  private static final YAMLMapper YAML = new YAMLMapper();

  @Test
  void promtoolAcceptsTheRuleFile() throws Exception {
    var result = promtool("check", "rules", RULES.toString());

    assertThat(result.exitCode()).as("promtool check rules:\n%s", result.output()).isZero();
  }

  @Test
  void promtoolUnitTestsOfTheRulesPass() throws Exception {
    var result = promtool("test", "rules", RULE_TESTS.toString());

    assertThat(result.exitCode()).as("promtool test rules:\n%s", result.output()).isZero();
  }

  @Test
  void prometheusRuleSpecIsTheRuleFile() throws IOException {
    JsonNode rules = YAML.readTree(RULES.toFile());
    JsonNode wrapper = YAML.readTree(PROMETHEUS_RULE.toFile());

    assertThat(wrapper.path("apiVersion").asText()).isEqualTo("monitoring.coreos.com/v1");
    assertThat(wrapper.path("kind").asText()).isEqualTo("PrometheusRule");
    assertThat(wrapper.path("spec"))
        .as("the spec of %s must equal %s", PROMETHEUS_RULE.getFileName(), RULES.getFileName())
        .isEqualTo(rules);
  }

  @Test
  void everyAlertHasASummaryADescriptionAndARunbookSectionThatExists() throws IOException {
    Set<String> anchors = anchors(Files.readString(OPERATIONS, StandardCharsets.UTF_8));

    for (JsonNode rule : alertRules()) {
      String name = rule.path("alert").asText();
      JsonNode annotations = rule.path("annotations");
      assertThat(annotations.path("summary").asText()).as("%s summary", name).isNotBlank();
      assertThat(annotations.path("description").asText()).as("%s description", name).isNotBlank();
      assertThat(annotations.path("runbook_url").asText())
          .as("%s runbook_url", name)
          .isEqualTo("docs/operations.md#" + name.toLowerCase(Locale.ROOT));
      assertThat(anchors).as("headings of docs/operations.md").contains(name.toLowerCase(Locale.ROOT));
    }
  }

  @Test
  void everyAlertHasAUnitTestThatFiresItAndOneThatDoesNot() throws IOException {
    Set<String> fired = new LinkedHashSet<>();
    Set<String> quiet = new LinkedHashSet<>();
    for (JsonNode test : YAML.readTree(RULE_TESTS.toFile()).path("tests")) {
      for (JsonNode check : test.path("alert_rule_test")) {
        String name = check.path("alertname").asText();
        (check.path("exp_alerts").isEmpty() ? quiet : fired).add(name);
      }
    }
    Set<String> alerts = new LinkedHashSet<>();
    alertRules().forEach(rule -> alerts.add(rule.path("alert").asText()));

    assertThat(fired).as("alerts with a case that fires them").containsAll(alerts);
    assertThat(quiet).as("alerts with a case where they stay quiet").containsAll(alerts);
  }

  private static List<JsonNode> alertRules() throws IOException {
    List<JsonNode> rules = new ArrayList<>();
    for (JsonNode group : YAML.readTree(RULES.toFile()).path("groups")) {
      group.path("rules").forEach(rule -> {
        if (rule.has("alert")) {
          rules.add(rule);
        }
      });
    }
    assertThat(rules).as("alert rules in %s", RULES).isNotEmpty();
    return rules;
  }

  /** GitHub's anchors for the Markdown headings: lower case, punctuation dropped, spaces to dashes. */
  private static Set<String> anchors(String markdown) {
    Set<String> anchors = new LinkedHashSet<>();
    var heading = Pattern.compile("^#{1,6}\\s+(.+?)\\s*$", Pattern.MULTILINE).matcher(markdown);
    while (heading.find()) {
      anchors.add(heading.group(1).toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
    }
    return anchors;
  }

  private record Result(int exitCode, String output) {}

  private static Result promtool(String... args) throws Exception {
    Path promtool = DebianTools.require("promtool", "prometheus");
    List<String> command = new ArrayList<>();
    command.add(promtool.toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command)
        .directory(RULES.getParent().toFile())
        .redirectErrorStream(true)
        .start();
    // Output is small; reading it before waiting cannot deadlock on a full pipe for long.
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      throw new AssertionError("promtool " + String.join(" ", args) + " did not finish in 60 s:\n" + output);
    }
    return new Result(process.exitValue(), output);
  }
}
