package network.notifi.sluice.redis.testing;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;

/**
 * One {@code redis-server} process on a loopback port, in a directory of its own. It can be stopped
 * and started again on the same port (and, for a cluster node, with the same node config), which is
 * what failover and degraded-mode tests need. Thread-safe.
 */
public final class RedisServer {

  private final Path binary;
  private final int port;
  private final Path dir;
  private final List<String> extraArgs;
  private Process process;

  RedisServer(Path binary, int port, Path dir, List<String> extraArgs) {
    Resp.guard(port);
    this.binary = binary;
    this.port = port;
    this.dir = dir;
    this.extraArgs = List.copyOf(extraArgs);
  }

  public int port() {
    return port;
  }

  /** {@code redis://127.0.0.1:port}, as Redisson wants it. */
  public String uri() {
    return "redis://127.0.0.1:" + port;
  }

  /** {@code 127.0.0.1:port}, as {@code redis.addresses} wants it. */
  public String hostAndPort() {
    return "127.0.0.1:" + port;
  }

  public synchronized boolean isRunning() {
    return process != null && process.isAlive();
  }

  /** Starts the process (if it is not running) and waits until it answers PING. */
  public synchronized RedisServer start() {
    if (isRunning()) {
      return this;
    }
    List<String> cmd = new ArrayList<>();
    cmd.add(binary.toString());
    cmd.addAll(List.of(
        "--port", Integer.toString(port),
        "--bind", "127.0.0.1",
        "--save", "",
        "--appendonly", "no",
        "--dir", dir.toString(),
        "--daemonize", "no",
        "--protected-mode", "no"));
    cmd.addAll(extraArgs);
    try {
      Files.createDirectories(dir);
      process = new ProcessBuilder(cmd)
          .directory(dir.toFile())
          .redirectErrorStream(true)
          .redirectOutput(dir.resolve("redis.log").toFile())
          .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + binary, e);
    }
    Process started = process;
    try {
      await("redis-server on port " + port + " to answer PING")
          .atMost(Duration.ofSeconds(10))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(20))
          .until(() -> Resp.pings(port) || !started.isAlive());
    } catch (ConditionTimeoutException e) {
      throw new IllegalStateException("redis-server on port " + port + " did not start: " + log(), e);
    }
    if (!started.isAlive()) {
      throw new IllegalStateException("redis-server on port " + port + " did not start: " + log());
    }
    return this;
  }

  /** Kills the process at once (SIGKILL), as a crash would, and waits until it is gone. */
  public synchronized void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      process.waitFor();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    process = null;
  }

  /**
   * Stops the process (SIGSTOP) without closing its connections or losing its data: Redis is
   * unreachable, commands time out, until {@link #thaw()}. A network partition, or a long stall.
   */
  public synchronized void freeze() {
    signal("-STOP");
  }

  /** Lets a frozen process go on (SIGCONT): Redis answers again, with the data it had. */
  public synchronized void thaw() {
    signal("-CONT");
  }

  private void signal(String signal) {
    if (process == null) {
      throw new IllegalStateException(this + " is not running");
    }
    try {
      int exit = new ProcessBuilder("kill", signal, Long.toString(process.pid())).inheritIO().start().waitFor();
      if (exit != 0) {
        throw new IllegalStateException("kill " + signal + " " + process.pid() + " exited with " + exit);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot run kill " + signal, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** Kills and starts again on the same port, in the same directory. */
  public synchronized RedisServer restart() {
    kill();
    return start();
  }

  Path dir() {
    return dir;
  }

  String log() {
    try {
      Path log = dir.resolve("redis.log");
      return Files.exists(log) ? Files.readString(log) : "(no log)";
    } catch (IOException e) {
      return "(log unreadable: " + e + ")";
    }
  }

  @Override
  public String toString() {
    return "redis-server@" + port;
  }
}
