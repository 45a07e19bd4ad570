package network.notifi.sluice.redis;

import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import network.notifi.sluice.common.DaemonThreads;
import network.notifi.sluice.redis.testing.RedisServer;
import network.notifi.sluice.redis.testing.Resp;

/**
 * Counts the commands clients send to some nodes, through {@code MONITOR}: top-level commands by
 * name, apart from the commands scripts run ({@code [0 lua]}) and, on a replica, from what its master
 * replicates to it. {@code MONITOR} costs the server CPU, so do not measure CPU while one runs. For
 * benchmarks.
 */
final class CommandMonitor implements AutoCloseable {

  private final String endMarker = "sluice-monitor-end-" + System.nanoTime();
  private final List<Integer> ports = new ArrayList<>();
  private final Set<Integer> ended = ConcurrentHashMap.newKeySet();
  private final List<Socket> sockets = new ArrayList<>();
  private final List<Thread> readers = new ArrayList<>();
  private final Map<String, LongAdder> topLevel = new ConcurrentHashMap<>();
  private final Map<String, LongAdder> inScripts = new ConcurrentHashMap<>();

  private CommandMonitor() {}

  /** Starts monitoring every node in {@code nodes}. */
  static CommandMonitor start(List<RedisServer> nodes) {
    var monitor = new CommandMonitor();
    for (RedisServer node : nodes) {
      monitor.watch(node.port(), masterLink(node.port()));
    }
    return monitor;
  }

  /** Top-level commands by name (lower case) so far. */
  Map<String, Long> topLevel() {
    return snapshot(topLevel);
  }

  /** Commands run by scripts, by name, so far. */
  Map<String, Long> inScripts() {
    return snapshot(inScripts);
  }

  static long total(Map<String, Long> counts) {
    return counts.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Stops once every node has shown everything sent to it before: each node echoes a marker, and a
   * node's {@code MONITOR} lists commands in the order it ran them.
   */
  @Override
  public void close() throws InterruptedException {
    for (int port : ports) {
      Resp.call(port, "ECHO", endMarker);
    }
    await("MONITOR to show the end marker on every node").atMost(Duration.ofSeconds(10))
        .until(() -> ended.containsAll(ports));
    for (Socket s : sockets) {
      try {
        s.close();
      } catch (IOException e) {
        // closing anyway
      }
    }
    for (Thread t : readers) {
      t.join(2_000);
    }
  }

  /** The address of a replica's link to its master ({@code flags=M} in CLIENT LIST), or "" on a master. */
  private static String masterLink(int port) {
    for (String line : Resp.string(port, "CLIENT", "LIST").split("\n")) {
      if (line.contains(" flags=M ")) {
        for (String f : line.split(" ")) {
          if (f.startsWith("addr=")) {
            return f.substring("addr=".length());
          }
        }
      }
    }
    return "";
  }

  private void watch(int port, String ignoredClient) {
    try {
      var socket = new Socket();
      socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
      OutputStream out = socket.getOutputStream();
      out.write("*1\r\n$7\r\nMONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
      out.flush();
      var in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.ISO_8859_1));
      if (!"+OK".equals(in.readLine())) {
        throw new IllegalStateException("MONITOR refused on port " + port);
      }
      sockets.add(socket);
      ports.add(port);
      Thread reader = DaemonThreads.named("monitor-" + port).newThread(() -> read(port, in, ignoredClient));
      reader.start();
      readers.add(reader);
    } catch (IOException e) {
      throw new IllegalStateException("cannot monitor port " + port, e);
    }
  }

  // A line: +1700000000.123456 [0 127.0.0.1:51234] "EVALSHA" "..." ...  or  [0 lua] for script commands.
  private void read(int port, BufferedReader in, String ignoredClient) {
    try {
      for (String line; (line = in.readLine()) != null; ) {
        if (line.contains(endMarker)) {
          ended.add(port);
          continue;
        }
        int open = line.indexOf('[');
        int close = line.indexOf(']', open);
        int quote = line.indexOf('"', close);
        if (open < 0 || close < 0 || quote < 0) {
          continue;
        }
        String client = line.substring(line.indexOf(' ', open) + 1, close);
        int end = line.indexOf('"', quote + 1);
        String command = line.substring(quote + 1, end).toLowerCase(Locale.ROOT);
        if (client.equals("lua")) {
          inScripts.computeIfAbsent(command, k -> new LongAdder()).increment();
        } else if (!client.equals(ignoredClient)) {
          topLevel.computeIfAbsent(command, k -> new LongAdder()).increment();
        }
      }
    } catch (IOException e) {
      // the socket was closed: done
    }
  }

  private static Map<String, Long> snapshot(Map<String, LongAdder> counts) {
    Map<String, Long> copy = new TreeMap<>();
    counts.forEach((k, v) -> copy.put(k, v.sum()));
    return copy;
  }
}
