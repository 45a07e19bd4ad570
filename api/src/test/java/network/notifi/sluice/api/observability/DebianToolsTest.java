package network.notifi.sluice.api.observability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class DebianToolsTest {

  @Test
  void missingToolFailsNamingTheDebianPackageToInstall() {
    assertThatThrownBy(() -> DebianTools.require("sluice-no-such-tool", "sluice-tools"))
        .isInstanceOf(AssertionError.class)
        .hasMessage("'sluice-no-such-tool' was not found on the PATH: install the Debian package 'sluice-tools'"
            + " (apt-get install -y sluice-tools; ./test.sh does this when run as root)");
  }

  @Test
  void presentToolIsFound() {
    assertThat(DebianTools.require("sh", "dash")).isExecutable();
  }
}
