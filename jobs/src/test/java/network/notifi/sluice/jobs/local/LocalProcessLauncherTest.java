package network.notifi.sluice.jobs.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import network.notifi.sluice.jobs.Build;
import network.notifi.sluice.jobs.JobsConfig;
import network.notifi.sluice.jobs.spi.AbstractJobLauncherContractTest;
import network.notifi.sluice.jobs.spi.JobLauncher;
import network.notifi.sluice.jobs.spi.JobOutcome;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LocalProcessLauncherTest extends AbstractJobLauncherContractTest {

  /** Behaves as the contract asks, by parser id. */
  static final String CONTRACT_COMMAND =
      "case \"$PARSER_ID\" in fail-*) echo \"failing $PARSER_ID\"; exit 3;;"
          + " slow-*) sleep 60;; *) echo \"built $PARSER_ID\";; esac";

  @TempDir Path tmp;

  @Override
  protected JobLauncher newLauncher() {
    return new LocalProcessLauncher(new JobsConfig.Local(CONTRACT_COMMAND, Duration.ofMinutes(1), 64 * 1024));
  }

  private LocalProcessLauncher relaunch(String command, Duration timeout, int logLimit) {
    launcher.close();
    LocalProcessLauncher local = new LocalProcessLauncher(new JobsConfig.Local(command, timeout, logLimit));
    local.addListener(outcomes::add);
    launcher = local;
    return local;
  }

  @Test
  void jobEnvironmentNamesTheBuild() {
    var local = relaunch("echo \"$PARSER_ID|$BUILD_ID|$NAMESPACE|$THIRD_PARTY_ID\"", Duration.ofMinutes(1), 4096);
    Build build = build("ok");

    local.launch(build).join();

    await().until(() -> !outcomesOf(build).isEmpty());
    assertThat(local.log(build.id()))
        .hasValue(build.parserId() + "|" + build.id() + "|" + build.namespace() + "|customer-1\n");
  }

  @Test
  void nonZeroExitFailsWithTheExitCodeAsReason() {
    Build build = build("fail");
    launcher.launch(build).join();

    await().until(() -> !outcomesOf(build).isEmpty());
    assertThat(outcomesOf(build)).containsExactly(JobOutcome.failed(build.id(), build.namespace(), "exit code 3"));
    assertThat(((LocalProcessLauncher) launcher).log(build.id())).hasValue("failing " + build.parserId() + "\n");
  }

  @Test
  void timeoutKillsTheWholeProcessTreeAndFailsTheBuild() throws Exception {
    Path pidFile = tmp.resolve("child.pid");
    var local = relaunch("sleep 120 & echo $! > '" + pidFile + "'; wait", Duration.ofSeconds(1), 4096);
    Build build = build("slow");

    local.launch(build).join();

    await().until(() -> Files.exists(pidFile) && !Files.readString(pidFile).isBlank());
    long childPid = Long.parseLong(Files.readString(pidFile).trim());
    await().until(() -> !outcomesOf(build).isEmpty());
    assertThat(outcomesOf(build))
        .containsExactly(JobOutcome.failed(build.id(), build.namespace(), "timed out after PT1S"));
    await().until(() -> ProcessHandle.of(childPid).map(p -> !p.isAlive()).orElse(true));
    assertThat(local.runningCount()).isZero();
  }

  @Test
  void logKeepsOnlyTheLastBytes() {
    var local =
        relaunch("i=0; while [ $i -lt 300 ]; do echo \"line $i of the build output\"; i=$((i+1)); done",
            Duration.ofMinutes(1), 1024);
    Build build = build("ok");

    local.launch(build).join();

    await().until(() -> !outcomesOf(build).isEmpty());
    String log = local.log(build.id()).orElseThrow();
    assertThat(log.length()).isLessThanOrEqualTo(1024);
    assertThat(log).endsWith("line 299 of the build output\n").doesNotContain("line 0 of");
  }

  @Test
  void closeKillsRunningJobsAndReportsThemInterruptedNotAsTheParsersFault() {
    Build build = build("slow");
    launcher.launch(build).join();

    launcher.close();

    // close() returns once the end is reported, so the core can record it before its stores close.
    assertThat(outcomesOf(build)).containsExactly(
        JobOutcome.failedNotByParser(build.id(), build.namespace(), LocalProcessLauncher.INTERRUPTED));
  }

  @Test
  void defaultCommandIsAHarmlessDemoBuildThatSucceeds() {
    var local = relaunch(JobsConfig.Local.DEMO_COMMAND, Duration.ofMinutes(1), 4096);
    Build build = build("demo");

    local.launch(build).join();

    await().atMost(Duration.ofSeconds(20)).until(() -> !outcomesOf(build).isEmpty());
    assertThat(outcomesOf(build)).containsExactly(JobOutcome.succeeded(build.id(), build.namespace()));
    assertThat(local.log(build.id())).hasValue("building " + build.parserId() + "\ndone\n");
  }
}
