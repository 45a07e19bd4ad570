package network.notifi.sluice.api.http;

import io.javalin.http.Context;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;

/**
 * Reads what is left of a request's body once its answer is decided, so that the connection stays
 * usable for the client's next request.
 *
 * <p>Jetty closes a kept-alive connection after an answer if the request's body was not all read by
 * then, and the answer, already written, does not say so: a client that sends its next request on
 * that connection (any pooled client) gets no answer at all. Every answer given without reading the
 * body does this when the body arrives after the head, as clients such as the JDK's HttpClient send
 * it: a 404 or 405 to a {@code POST}, a route refused on the other port, a 413. Run after every
 * handler, this reads and drops the rest of the body, up to {@link #MAX_BYTES}. A longer body is
 * left unread: Jetty closes its connection after the answer.
 *
 * <p>After an asynchronous answer the after-handlers run on the thread that completed it: for an
 * answer from the Redis stores, the Redis client's event loop, which every command of the replica
 * needs. There only what has already arrived is dropped, never waited for; a client that sends the
 * rest of such a body later finds its connection closed. {@code POST /events} reads its body whole
 * before it goes asynchronous, so this concerns only bodies sent to the routes that expect none.
 */
final class UnreadBody {

  /** How much of a body no handler read is read and dropped at most: 8 MiB. */
  static final long MAX_BYTES = 8L << 20;

  private UnreadBody() {}

  /** Javalin's after-handler: reads and drops the rest of {@code ctx}'s body, see the class comment. */
  static void finish(Context ctx) {
    HttpServletRequest req = ctx.req();
    long declared = req.getContentLengthLong(); // -1 when the body is chunked, or there is none
    if (declared == 0 || declared > MAX_BYTES || (declared < 0 && req.getHeader("Transfer-Encoding") == null)) {
      return;
    }
    try {
      ServletInputStream in = req.getInputStream();
      if (in.isFinished()) {
        return;
      }
      boolean mayWait = !req.isAsyncStarted();
      byte[] sink = new byte[8192];
      long left = MAX_BYTES;
      while (left > 0) {
        int want = (int) Math.min(sink.length, left);
        if (!mayWait) {
          want = Math.min(want, in.available());
          if (want == 0) {
            return;
          }
        }
        int n = in.read(sink, 0, want);
        if (n < 0) {
          return;
        }
        left -= n;
      }
    } catch (IOException | IllegalStateException unreadable) {
      // The client stopped sending, or a handler read the body as characters: nothing to drop.
    }
  }
}
