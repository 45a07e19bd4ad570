package network.notifi.sluice.api.admin;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.regex.Pattern;
import network.notifi.sluice.api.SluiceApp;
import network.notifi.sluice.api.TestConfigs;
import network.notifi.sluice.api.http.HttpTestClient;
import network.notifi.sluice.api.observability.RepoFiles;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class VersionTest {

  private SluiceApp app;
  private HttpTestClient client;
  private HttpTestClient admin;

  @BeforeEach
  void start() {
    app = SluiceApp.builder(TestConfigs.config()).build().start();
    client = new HttpTestClient(app.port());
    admin = new HttpTestClient(app.adminPort());
  }

  @AfterEach
  void stop() {
    app.close();
  }

  @Test
  void versionNamesTheProjectVersionAndTheCommitThatWasBuilt() throws Exception {
    var response = client.get("/version");

    assertThat(response.statusCode()).isEqualTo(200);
    var body = HttpTestClient.json(response);
    assertThat(body.get("version").asText()).isEqualTo(projectVersion());
    assertThat(body.get("commit").asText()).isEqualTo(gitHead());
  }

  @Test
  void buildInfoMetricCarriesVersionAndCommitAsLabels() throws Exception {
    var metrics = admin.get("/metrics").body();

    assertThat(metrics).contains(
        "sluice_build_info{commit=\"" + gitHead() + "\",version=\"" + projectVersion() + "\"} 1\n");
  }

  /** The version in the root pom, as the build wrote it. */
  private static String projectVersion() throws Exception {
    String pom = Files.readString(RepoFiles.path("pom.xml"));
    var m = Pattern.compile("<artifactId>sluice-parent</artifactId>\\s*<version>([^<]+)</version>").matcher(pom);
    assertThat(m.find()).as("root pom names its version").isTrue();
    return m.group(1);
  }

  /** The commit checked out, as git names it (the build ran in the same checkout). */
  private static String gitHead() throws Exception {
    var git = new ProcessBuilder("git", "rev-parse", "--short=12", "HEAD")
        .directory(RepoFiles.path(".").toFile())
        .redirectErrorStream(true)
        .start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(git.waitFor()).as("git rev-parse: " + out).isZero();
    return out;
  }
}
