package network.notifi.sluice.api.tracing;

import io.javalin.http.Context;
import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanKind;
import io.opentelemetry.api.trace.StatusCode;
import io.opentelemetry.api.trace.Tracer;

/**
 * The server span of a request: started when the handler starts, kept on the Javalin context, ended
 * by the request logger once the answer has been sent, async answers included.
 */
public final class RequestSpans {

  private static final String ATTRIBUTE = "sluice.span";

  private RequestSpans() {}

  public static Span start(Context ctx, Tracer tracer, String route) {
    Span span =
        tracer.spanBuilder(ctx.method().name() + " " + route)
            .setSpanKind(SpanKind.SERVER)
            .setAttribute("http.request.method", ctx.method().name())
            .setAttribute("http.route", route)
            .setAttribute("client.address", ctx.ip())
            .startSpan();
    ctx.attribute(ATTRIBUTE, span);
    return span;
  }

  /** The request's span, or an invalid span when the request has none. */
  public static Span of(Context ctx) {
    Span span = ctx.attribute(ATTRIBUTE);
    return span == null ? Span.getInvalid() : span;
  }

  /** The trace id to log with the request, or null when it is not traced. */
  public static String traceId(Context ctx) {
    var spanContext = of(ctx).getSpanContext();
    return spanContext.isValid() ? spanContext.getTraceId() : null;
  }

  public static void end(Context ctx) {
    Span span = ctx.attribute(ATTRIBUTE);
    if (span == null) {
      return;
    }
    int status = ctx.statusCode();
    span.setAttribute("http.response.status_code", status);
    if (status >= 500) {
      span.setStatus(StatusCode.ERROR);
    }
    span.end();
  }
}
