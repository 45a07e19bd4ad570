package network.notifi.sluice.api.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.javalin.http.Context;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import network.notifi.sluice.api.tracing.RequestSpans;
import network.notifi.sluice.common.Futures;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Writes JSON replies and problems, and logs every refusal. The one place errors become responses. */
public final class Responses {

  private static final Logger LOG = LoggerFactory.getLogger(Responses.class);
  private final ObjectMapper json;
  private final RefusalLog refusals;

  public Responses(ObjectMapper json, RefusalLog refusals) {
    this.json = json;
    this.refusals = refusals;
  }

  void reply(Context ctx, BuildStarter.Reply reply, String endpoint, String thirdParty) {
    if (reply.retryAfterSeconds() > 0) {
      ctx.header("Retry-After", Long.toString(reply.retryAfterSeconds()));
    }
    if (reply.body() instanceof Problem problem) {
      problem(ctx, problem, endpoint, thirdParty);
      return;
    }
    send(ctx, reply.status(), "application/json", bytes(reply.body()));
  }

  /** Answers with a problem and logs it as a refusal. */
  public void problem(Context ctx, Problem problem, String endpoint, String thirdParty) {
    // The level that refused: a limiter level, or which job limit (namespace, total, third_party).
    Object jobLimit = problem.extensions().get("limit");
    String level = problem.extensions().containsKey("violated-policies")
        ? problem.reason()
        : jobLimit == null ? null : jobLimit.toString();
    refusals.record(new RefusalLog.Refusal(
        false, problem.status(), problem.reason(), level, endpoint, thirdParty, null, ctx.ip(),
        RequestSpans.traceId(ctx), problem.detail()));
    send(ctx, problem.status(), Problem.MEDIA_TYPE, bytes(problem.body()));
  }

  /** Maps any failure to a response: problems as they are, anything else as a logged 500 without details. */
  public void failure(Context ctx, Throwable failure, String endpoint, String thirdParty) {
    Throwable cause = Futures.unwrap(failure);
    if (cause instanceof Problem.ProblemException pe) {
      problem(ctx, pe.problem(), endpoint, thirdParty);
      return;
    }
    LOG.error("request failed unexpectedly", cause);
    var problem = Problem.of(500, "internal_error", "an unexpected error occurred; it has been logged");
    send(ctx, 500, Problem.MEDIA_TYPE, bytes(problem.body()));
  }

  /** Logs a shadow-mode level's would-be refusal. */
  void shadowRefusal(Context ctx, String level, String endpoint, String thirdParty) {
    refusals.record(new RefusalLog.Refusal(
        true, 429, level, level, endpoint, thirdParty, null, ctx.ip(), RequestSpans.traceId(ctx),
        level + " level in shadow mode"));
  }

  /**
   * Writes the whole answer at once, with its length, straight to the servlet response. Javalin's
   * {@code result()} would copy it through its compressing stream, which looks up response headers
   * on every answer although these bodies are far below its compression threshold.
   */
  private static void send(Context ctx, int status, String contentType, byte[] body) {
    HttpServletResponse res = ctx.res();
    ctx.status(status);
    res.setContentType(contentType);
    res.setContentLength(body.length);
    try {
      res.getOutputStream().write(body);
    } catch (IOException e) {
      // The client is gone: nothing to answer it with.
      LOG.debug("answer not written: {}", e.toString());
    }
  }

  byte[] bytes(Object body) {
    try {
      return json.writeValueAsBytes(body);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("response body cannot be written as JSON", e);
    }
  }
}
