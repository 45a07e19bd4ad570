package network.notifi.sluice.api.observability;

import java.nio.file.Files;
import java.nio.file.Path;

/** Files of the repository, found from wherever Maven runs the tests (the module or the root). */
public final class RepoFiles {

  private RepoFiles() {}

  /** {@code relative} resolved against the repository root (the directory holding {@code deploy/}). */
  public static Path path(String relative) {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      if (Files.isDirectory(dir.resolve("deploy")) && Files.isRegularFile(dir.resolve("pom.xml"))) {
        return dir.resolve(relative);
      }
    }
    throw new IllegalStateException("no repository root with deploy/ above " + Path.of("").toAbsolutePath());
  }
}
