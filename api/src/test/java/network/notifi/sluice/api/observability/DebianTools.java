package network.notifi.sluice.api.observability;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Finds the command-line tools these tests run. A missing tool is a failure that names the Debian
 * package to install, never a silent skip.
 */
public final class DebianTools {

  private DebianTools() {}

  /** {@code command} on the {@code PATH} or in {@code /usr/bin}; fails naming {@code debianPackage} if absent. */
  public static Path require(String command, String debianPackage) {
    return find(command).orElseThrow(() -> new AssertionError(
        "'" + command + "' was not found on the PATH: install the Debian package '" + debianPackage
            + "' (apt-get install -y " + debianPackage + "; ./test.sh does this when run as root)"));
  }

  private static Optional<Path> find(String command) {
    var path = System.getenv().getOrDefault("PATH", "") + File.pathSeparator + "/usr/bin";
    for (String dir : path.split(File.pathSeparator)) {
      if (dir.isEmpty()) {
        continue;
      }
      Path candidate = Path.of(dir, command);
      if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
