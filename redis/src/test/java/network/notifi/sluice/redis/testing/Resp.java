package network.notifi.sluice.redis.testing;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * A minimal RESP2 client for test fixtures: one command per connection, replies as {@code String},
 * {@code Long}, {@code byte[]}-free {@code List<Object>} or {@code null}. Errors become {@link
 * RespError}. Used to manage test servers without depending on {@code redis-cli}.
 */
public final class Resp {

  /** An error reply from the server. */
  public static final class RespError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    RespError(String message) {
      super(message);
    }
  }

  private Resp() {}

  /** Sends one command to 127.0.0.1:{@code port} and returns its reply. */
  public static Object call(int port, String... args) {
    return call(port, 2_000, args);
  }

  public static Object call(int port, int timeoutMillis, String... args) {
    guard(port);
    try (var socket = new Socket()) {
      socket.connect(new InetSocketAddress("127.0.0.1", port), timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      OutputStream out = socket.getOutputStream();
      out.write(encode(args));
      out.flush();
      return read(new BufferedInputStream(socket.getInputStream()));
    } catch (IOException e) {
      throw new UncheckedIOException("redis on port " + port + ": " + String.join(" ", args), e);
    }
  }

  /** The reply as a string (bulk or simple string). */
  public static String string(int port, String... args) {
    Object reply = call(port, args);
    return reply == null ? null : reply.toString();
  }

  /** True if a server answers PING on this port. */
  public static boolean pings(int port) {
    try {
      return "PONG".equals(call(port, 500, "PING"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  /** Never let a fixture talk to the machine's own Redis. */
  static void guard(int port) {
    if (port == 6379) {
      throw new IllegalArgumentException("test fixtures must never touch the Redis on port 6379");
    }
  }

  private static byte[] encode(String... args) {
    var buf = new ByteArrayOutputStream();
    buf.writeBytes(("*" + args.length + "\r\n").getBytes(StandardCharsets.UTF_8));
    for (String arg : args) {
      byte[] bytes = arg.getBytes(StandardCharsets.UTF_8);
      buf.writeBytes(("$" + bytes.length + "\r\n").getBytes(StandardCharsets.UTF_8));
      buf.writeBytes(bytes);
      buf.writeBytes("\r\n".getBytes(StandardCharsets.UTF_8));
    }
    return buf.toByteArray();
  }

  private static Object read(InputStream in) throws IOException {
    int type = in.read();
    String line = line(in);
    switch (type) {
      case '+':
        return line;
      case '-':
        throw new RespError(line);
      case ':':
        return Long.parseLong(line);
      case '$': {
        int len = Integer.parseInt(line);
        if (len < 0) {
          return null;
        }
        byte[] data = in.readNBytes(len);
        in.readNBytes(2);
        return new String(data, StandardCharsets.UTF_8);
      }
      case '*': {
        int n = Integer.parseInt(line);
        if (n < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
          items.add(read(in));
        }
        return items;
      }
      default:
        throw new IOException("unexpected RESP type byte " + type);
    }
  }

  private static String line(InputStream in) throws IOException {
    var buf = new ByteArrayOutputStream();
    int c;
    while ((c = in.read()) != -1) {
      if (c == '\r') {
        in.read();
        break;
      }
      buf.write(c);
    }
    return buf.toString(StandardCharsets.UTF_8);
  }
}
