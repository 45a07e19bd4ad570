package network.notifi.sluice.api.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.Socket;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.1 written byte by byte on a socket, for what a well-behaved client library refuses to send:
 * any header name or value, any method, any target. One request per connection.
 */
final class RawHttp {

  /** An answer as read off the wire. */
  record Answer(int status, String head, String body) {
    String contentType() {
      for (String line : head.split("\r\n")) {
        if (line.toLowerCase(Locale.ROOT).startsWith("content-type:")) {
          return line.substring("content-type:".length()).trim();
        }
      }
      return "";
    }
  }

  private RawHttp() {}

  static Answer send(int port, String method, String target, List<Map.Entry<String, String>> headers, byte[] body) {
    ByteArrayOutputStream request = new ByteArrayOutputStream();
    write(request, method + " " + target + " HTTP/1.1\r\nHost: sluice\r\nConnection: close\r\n");
    for (var header : headers) {
      write(request, header.getKey() + ": " + header.getValue() + "\r\n");
    }
    if (body != null) {
      write(request, "Content-Length: " + body.length + "\r\n");
    }
    write(request, "\r\n");
    if (body != null) {
      request.writeBytes(body);
    }
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(30_000);
      String written = "written whole";
      try {
        socket.getOutputStream().write(request.toByteArray());
        socket.getOutputStream().flush();
      } catch (IOException e) {
        // The server answered and closed before reading all of it (a refusal): read that answer.
        written = "not written whole (" + e + ")";
      }
      long sent = System.nanoTime();
      Read read = readAnswer(socket);
      String answer = withoutInterimAnswers(new String(read.bytes(), StandardCharsets.UTF_8));
      int end = answer.indexOf("\r\n\r\n");
      String head = end < 0 ? answer : answer.substring(0, end);
      String rest = end < 0 ? "" : answer.substring(end + 4);
      if (!head.startsWith("HTTP/1.1 ") || head.length() < 12) {
        // Say how the connection ended, so that a rare failure tells what happened on the wire.
        throw new IllegalStateException("not an HTTP answer: " + read.bytes().length + " bytes ("
            + head.substring(0, Math.min(80, head.length())) + "), then " + read.ending() + " after "
            + (System.nanoTime() - sent) / 1_000_000 + " ms; the request (" + request.size() + " bytes) was "
            + written);
      }
      return new Answer(status(head), head, rest);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What was read off a connection, and how it ended: {@code EOF} or the reset's exception. */
  private record Read(byte[] bytes, String ending) {}

  /** Everything the server sends until it closes; a reset after a complete answer is not a failure. */
  private static Read readAnswer(Socket socket) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[8192];
    try {
      for (int n; (n = socket.getInputStream().read(buffer)) >= 0; ) {
        out.write(buffer, 0, n);
      }
    } catch (SocketException e) {
      return new Read(out.toByteArray(), e.toString());
    }
    return new Read(out.toByteArray(), "EOF");
  }

  /**
   * The final answer: interim 1xx answers before it (a {@code 100 Continue} to {@code Expect:
   * 100-continue}) are dropped, as an HTTP client does. A 1xx with nothing after it stays.
   */
  private static String withoutInterimAnswers(String answer) {
    while (answer.startsWith("HTTP/1.1 1")) {
      int end = answer.indexOf("\r\n\r\n");
      if (end < 0 || end + 4 == answer.length()) {
        return answer;
      }
      answer = answer.substring(end + 4);
    }
    return answer;
  }

  private static int status(String head) {
    return Integer.parseInt(head.substring(9, 12));
  }

  private static void write(ByteArrayOutputStream out, String text) {
    out.writeBytes(text.getBytes(StandardCharsets.UTF_8));
  }
}
