package network.notifi.sluice.api.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import network.notifi.sluice.api.observability.RepoFiles;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile, which cannot be built here (no Docker daemon on these machines): what it copies
 * exists, it copies every module the build needs, and the runtime stage is a JRE 17 run as a
 * non-root user with a health check on a real path.
 */
class DockerfileTest {

  private static List<String> lines;

  @BeforeAll
  static void read() throws IOException {
    lines = new ArrayList<>();
    StringBuilder joined = new StringBuilder();
    for (String line : Files.readAllLines(RepoFiles.path("Dockerfile"))) {
      if (line.strip().startsWith("#")) {
        continue;
      }
      if (line.endsWith("\\")) {
        joined.append(line, 0, line.length() - 1).append(' ');
        continue;
      }
      joined.append(line);
      if (!joined.toString().isBlank()) {
        lines.add(joined.toString().strip());
      }
      joined.setLength(0);
    }
  }

  private static List<String[]> copies(boolean fromStage) {
    return lines.stream()
        .filter(l -> l.startsWith("COPY "))
        .filter(l -> l.contains("--from=") == fromStage)
        .map(l -> l.replaceAll("--from=\\S+", "").substring("COPY ".length()).trim().split("\\s+"))
        .toList();
  }

  @Test
  void everyPathCopiedFromTheRepositoryExists() {
    List<String[]> copies = copies(false);

    assertThat(copies).isNotEmpty();
    for (String[] copy : copies) {
      for (int i = 0; i < copy.length - 1; i++) {
        assertThat(RepoFiles.path(copy[i])).as("COPY " + copy[i]).exists();
      }
    }
  }

  @Test
  void everyModuleOfTheBuildIsCopied() throws IOException {
    String rootPom = Files.readString(RepoFiles.path("pom.xml"));
    List<String> sources = copies(false).stream().map(c -> c[0]).toList();

    Matcher module = Pattern.compile("<module>([^<]+)</module>").matcher(rootPom);
    while (module.find()) {
      // Maven reads every module's pom, even for -pl api -am.
      assertThat(sources).contains(module.group(1) + "/pom.xml");
    }
    // The modules the jar is built from (api and what it depends on) need their sources.
    assertThat(sources).contains("limiter/src", "jobs/src", "redis/src", "k8s/src", "api/src");
  }

  @Test
  void theRuntimeStageCopiesTheShadedJarTheBuildStageMakes() throws IOException {
    String apiPom = Files.readString(RepoFiles.path("api/pom.xml"));
    String finalName = between(apiPom, "<finalName>", "</finalName>");
    String workdir = lines.stream().filter(l -> l.startsWith("WORKDIR ")).findFirst().orElseThrow().substring(8).trim();

    List<String[]> fromBuild = copies(true);
    assertThat(fromBuild).hasSize(1);
    assertThat(fromBuild.get(0)[0]).isEqualTo(workdir + "/api/target/" + finalName + ".jar");
    String entrypoint = lines.stream().filter(l -> l.startsWith("ENTRYPOINT")).findFirst().orElseThrow();
    assertThat(entrypoint).contains(fromBuild.get(0)[1]);
  }

  @Test
  void theRuntimeIsAJre17RunAsANonRootUserWithAHealthCheck() {
    List<String> from = lines.stream().filter(l -> l.startsWith("FROM ")).toList();
    String user = lines.stream().filter(l -> l.startsWith("USER ")).reduce((a, b) -> b).orElseThrow();
    String healthcheck = lines.stream().filter(l -> l.startsWith("HEALTHCHECK")).findFirst().orElseThrow();

    assertThat(from).hasSize(2);
    assertThat(from.get(0)).contains("17").contains(" AS build");
    assertThat(from.get(1)).contains("17-jre");
    String uid = user.substring("USER ".length()).split(":")[0];
    assertThat(uid).isNotIn("0", "root");
    assertThat(healthcheck).contains("http://127.0.0.1:8080/health/live");
  }

  @Test
  void theContextLeavesOutGitAndBuildOutput() throws IOException {
    List<String> ignored = Files.readAllLines(RepoFiles.path(".dockerignore"));

    assertThat(ignored).contains(".git", "**/target");
  }

  private static String between(String text, String start, String end) {
    int from = text.indexOf(start);
    assertThat(from).as(start).isNotNegative();
    return text.substring(from + start.length(), text.indexOf(end, from));
  }
}
