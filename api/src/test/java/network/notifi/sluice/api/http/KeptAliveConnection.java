package network.notifi.sluice.api.http;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One kept-alive HTTP/1.1 connection on a raw socket, for what a pooled client does: several requests
 * one after another on the same connection, a request's head and body written apart.
 */
final class KeptAliveConnection implements AutoCloseable {

  /** How a request's body is framed: with its length, or in chunks (one, then the last). */
  enum Framing {
    LENGTH,
    CHUNKED
  }

  private static final Pattern CONTENT_LENGTH = Pattern.compile("(?im)^content-length: *(\\d+)");

  private final Socket socket;
  private final InputStream in;
  private final OutputStream out;

  KeptAliveConnection(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    in = socket.getInputStream();
    out = socket.getOutputStream();
  }

  /** A request whose head and body are written at once, as most clients send a small one; its answer. */
  String send(String method, String target, String headers, byte[] body) throws IOException {
    writeHead(method, target, headers, body.length, Framing.LENGTH);
    writeBody(body, Framing.LENGTH);
    return readAnswer();
  }

  /**
   * A request whose head is written first, and its body once the server answered or after 300 ms:
   * for an answer that may or may not wait for the body.
   */
  String sendHeadThenBody(String method, String target, String headers, byte[] body) throws IOException {
    writeHead(method, target, headers, body.length, Framing.LENGTH);
    String answer = null;
    socket.setSoTimeout(300);
    try {
      answer = readAnswer(); // answered from the head alone
    } catch (SocketTimeoutException waitingForTheBody) {
      // the server waits for the body
    } finally {
      socket.setSoTimeout(10_000);
    }
    writeBody(body, Framing.LENGTH);
    return answer != null ? answer : readAnswer();
  }

  /**
   * A request whose body is written 200 ms after the server answered its head: for an answer that needs
   * no body. The pause lets the server finish the request before the body arrives (Jetty decides then
   * whether the connection stays open); a server slower than that only makes the call less telling.
   */
  String sendBodyAfterTheAnswer(String method, String target, String headers, byte[] body, Framing framing)
      throws IOException {
    writeHead(method, target, headers, body.length, framing);
    String answer = readAnswer();
    sleep(200);
    writeBody(body, framing);
    return answer;
  }

  /** A request that declares a body of {@code length} bytes and sends none; the answer to its head. */
  String sendHeadWithoutItsBody(String method, String target, int length) throws IOException {
    writeHead(method, target, "", length, Framing.LENGTH);
    return readAnswer();
  }

  /** The request line and headers; {@code length} is the body's, for its Content-Length. */
  private void writeHead(String method, String target, String headers, int length, Framing framing)
      throws IOException {
    String framingHeader = framing == Framing.CHUNKED
        ? "Transfer-Encoding: chunked\r\n"
        : "Content-Length: " + length + "\r\n";
    out.write((method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n" + headers + framingHeader + "\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private void writeBody(byte[] body, Framing framing) throws IOException {
    if (framing == Framing.CHUNKED) {
      out.write((Integer.toHexString(body.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.write("\r\n0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    } else {
      out.write(body);
    }
    out.flush();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@code GET target}, and its answer; what became of the connection instead if it was closed under it. */
  String get(String target) throws IOException {
    try {
      out.write(("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String answer = readAnswer();
      return answer.isEmpty() ? "no answer: the server closed the connection" : answer;
    } catch (SocketException closed) {
      return "no answer: " + closed;
    }
  }

  /**
   * One answer: its head, then as many bytes as its Content-Length; what came before EOF if the server
   * closed the connection first.
   */
  private String readAnswer() throws IOException {
    var head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.US_ASCII).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        return head.toString(StandardCharsets.US_ASCII);
      }
      head.write(b);
    }
    String text = head.toString(StandardCharsets.US_ASCII);
    Matcher length = CONTENT_LENGTH.matcher(text);
    int bodyBytes = length.find() ? Integer.parseInt(length.group(1)) : 0;
    return text + new String(in.readNBytes(bodyBytes), StandardCharsets.UTF_8);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
