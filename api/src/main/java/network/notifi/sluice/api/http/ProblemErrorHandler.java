package network.notifi.sluice.api.http;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.handler.ErrorHandler;
import org.eclipse.jetty.util.Callback;

/**
 * Answers the errors Jetty finds itself, before any route runs (headers too large, a request line it
 * cannot parse, a URI too long), as problem+json like every other refusal, with a fixed detail per
 * status: never Jetty's message, never a stack trace.
 */
public final class ProblemErrorHandler extends ErrorHandler {

  private static final HttpField CONTENT_TYPE = new HttpField(HttpHeader.CONTENT_TYPE, Problem.MEDIA_TYPE);

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(CONTENT_TYPE);
    return ByteBuffer.wrap(body(status));
  }

  @Override
  protected void generateResponse(
      Request request, Response response, int code, String message, Throwable cause, Callback callback) {
    response.getHeaders().put(CONTENT_TYPE);
    response.write(true, ByteBuffer.wrap(body(code)), callback);
  }

  static byte[] body(int status) {
    Problem problem = problem(status);
    var body = problem.body();
    StringBuilder json = new StringBuilder("{");
    body.forEach((name, value) -> {
      if (json.length() > 1) {
        json.append(',');
      }
      json.append('"').append(name).append("\":");
      json.append(value instanceof Number ? value.toString() : "\"" + value + "\"");
    });
    return json.append('}').toString().getBytes(StandardCharsets.UTF_8);
  }

  private static Problem problem(int status) {
    return switch (status) {
      case 400 -> Problem.of(400, "bad_request", "the request could not be read as HTTP");
      case 408 -> Problem.of(408, "request_timeout", "the request was not received in time");
      case 413 -> Problem.of(413, "body_too_large", "request body too large");
      case 414 -> Problem.of(414, "uri_too_long", "the request URI is too long");
      case 431 -> Problem.of(431, "headers_too_large", "the request's headers are too large (server.max_header_bytes)");
      default -> Problem.of(status, status >= 500 ? "internal_error" : "bad_request",
          status >= 500 ? "an unexpected error occurred" : "the request was refused");
    };
  }
}
