package network.notifi.sluice.api.http;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * An RFC 9457 problem detail: {@code type}, {@code title}, {@code status}, {@code detail}, plus a
 * stable {@code reason} code that clients branch on, and optional extension members.
 *
 * @param status the HTTP status
 * @param reason the stable reason code, e.g. {@code third_party} or {@code invalid_event}
 * @param detail what happened, for people
 * @param extensions further members, e.g. {@code violated-policies}
 */
public record Problem(int status, String reason, String detail, Map<String, Object> extensions) {

  public static final String MEDIA_TYPE = "application/problem+json";

  public Problem {
    Objects.requireNonNull(reason, "reason");
    Objects.requireNonNull(detail, "detail");
    extensions = Map.copyOf(extensions);
  }

  public static Problem of(int status, String reason, String detail) {
    return new Problem(status, reason, detail, Map.of());
  }

  /** The body as members in RFC 9457 order. */
  public Map<String, Object> body() {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", "/problems/" + reason);
    body.put("title", title(status));
    body.put("status", status);
    body.put("detail", detail);
    body.put("reason", reason);
    body.putAll(extensions);
    return body;
  }

  /** Thrown by handlers to answer with this problem; carries no stack trace, it is not a bug. */
  public ProblemException exception() {
    return new ProblemException(this);
  }

  static String title(int status) {
    return switch (status) {
      case 400 -> "Bad Request";
      case 401 -> "Unauthorized";
      case 403 -> "Forbidden";
      case 404 -> "Not Found";
      case 405 -> "Method Not Allowed";
      case 408 -> "Request Timeout";
      case 413 -> "Content Too Large";
      case 414 -> "URI Too Long";
      case 415 -> "Unsupported Media Type";
      case 429 -> "Too Many Requests";
      case 431 -> "Request Header Fields Too Large";
      case 500 -> "Internal Server Error";
      case 503 -> "Service Unavailable";
      default -> "HTTP " + status;
    };
  }

  /** An expected refusal on its way to the client. */
  public static final class ProblemException extends RuntimeException {
    private final transient Problem problem;

    ProblemException(Problem problem) {
      super(problem.reason() + ": " + problem.detail(), null, false, false);
      this.problem = problem;
    }

    public Problem problem() {
      return problem;
    }
  }
}
