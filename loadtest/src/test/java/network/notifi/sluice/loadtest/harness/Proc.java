package network.notifi.sluice.loadtest.harness;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/** A child process the harness started, with its output in a log file; stopping it stops its children. */
final class Proc implements AutoCloseable {
  private static final Set<Integer> TAKEN = new HashSet<>();
  /** Where every started pid is appended, so run.sh can stop leftovers even if the harness is killed. */
  static volatile Path pidFile;

  final String name;
  final Process process;
  final Path log;

  private Proc(String name, Process process, Path log) {
    this.name = name;
    this.process = process;
    this.log = log;
  }

  static Proc start(String name, List<String> command, Map<String, String> env, Path log)
      throws IOException {
    ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true)
        .redirectOutput(log.toFile());
    pb.environment().putAll(env);
    Process p = pb.start();
    Path pids = pidFile;
    if (pids != null) {
      synchronized (Proc.class) {
        Files.writeString(pids, p.pid() + "\n", java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.APPEND);
      }
    }
    return new Proc(name, p, log);
  }

  /** Runs a command to completion (bounded by {@code timeoutSeconds}) and returns its output. */
  static String run(long timeoutSeconds, String... command) throws IOException, InterruptedException {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    byte[] out = p.getInputStream().readAllBytes();
    if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      throw new IOException(String.join(" ", command) + " did not finish in " + timeoutSeconds + " s");
    }
    String text = new String(out);
    if (p.exitValue() != 0) {
      throw new IOException(String.join(" ", command) + " exited " + p.exitValue() + ": " + text);
    }
    return text;
  }

  boolean alive() {
    return process.isAlive();
  }

  String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  @Override
  public void close() {
    process.descendants().forEach(ProcessHandle::destroy);
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * A free loopback port, never 6379 and never one handed out before in this process. With {@code
   * busToo} the port + 10000 (a Redis Cluster bus port) is free as well.
   */
  static synchronized int freePort(boolean busToo) throws IOException {
    for (int attempt = 0; attempt < 200; attempt++) {
      int p;
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(new InetSocketAddress("127.0.0.1", 0));
        p = s.getLocalPort();
      }
      if (p == 6379 || TAKEN.contains(p) || (busToo && (p > 55535 || !free(p + 10000)))) {
        continue;
      }
      TAKEN.add(p);
      return p;
    }
    throw new IOException("no free loopback port found");
  }

  private static boolean free(int port) {
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress("127.0.0.1", port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** Whether an executable {@code command} is on the PATH. */
  static boolean onPath(String command) {
    return java.util.stream.Stream.of(System.getenv().getOrDefault("PATH", "").split(":"))
        .anyMatch(d -> !d.isEmpty() && Files.isExecutable(Path.of(d, command)));
  }

  static boolean listening(int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress("127.0.0.1", port), 200);
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
