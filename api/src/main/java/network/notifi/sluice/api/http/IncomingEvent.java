package network.notifi.sluice.api.http;

import io.cloudevents.CloudEvent;
import io.cloudevents.core.message.MessageReader;
import io.cloudevents.http.HttpMessageFactory;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * A CloudEvent read from an HTTP request, in binary mode ({@code Ce-*} headers, any case) or
 * structured mode ({@code application/cloudevents+json}).
 *
 * <p>The seed's minimal form is accepted too: a {@code Ce-Type} header and a JSON body, with no
 * {@code ce-id}, {@code ce-source} or {@code ce-specversion}. The id is then generated, the
 * specversion is 1.0, and the source is a placeholder that does not identify a third party.
 *
 * @param event the event
 * @param sourceGiven whether the client set the source (only then may it identify a third party)
 */
record IncomingEvent(CloudEvent event, boolean sourceGiven) {

  static final String STRUCTURED = "application/cloudevents+json";
  static final String PLACEHOLDER_SOURCE = "/sluice/unidentified";

  /**
   * Reads the event.
   *
   * @param maxJsonDepth the deepest nesting of arrays and objects read
   * @throws Problem.ProblemException 415 for a media type that is neither JSON nor a CloudEvent, 400
   *     {@code json_too_deep} for a body nested deeper than {@code maxJsonDepth}, 400 {@code
   *     invalid_event} for anything the CloudEvents SDK cannot read
   */
  static IncomingEvent read(Map<String, String> requestHeaders, String contentType, byte[] body, int maxJsonDepth) {
    String mediaType = mediaType(contentType);
    boolean structured = mediaType.equals(STRUCTURED);
    if (!structured && !mediaType.isEmpty() && !mediaType.equals("application/json")) {
      throw Problem.of(
              415,
              "unsupported_media_type",
              "Content-Type " + contentType + " is not supported; send application/json with Ce-* headers"
                  + " (binary mode) or application/cloudevents+json (structured mode)")
          .exception();
    }
    if (JsonDepth.exceeds(body, maxJsonDepth)) {
      throw Problem.of(400, "json_too_deep", "the body nests arrays and objects deeper than " + maxJsonDepth).exception();
    }
    Map<String, String> headers = new LinkedHashMap<>();
    requestHeaders.forEach((name, value) -> headers.put(name.toLowerCase(Locale.ROOT), value));
    boolean sourceGiven = true;
    if (!structured) {
      if (!headers.containsKey("ce-type")) {
        throw Problem.of(400, "invalid_event", "missing Ce-Type header (the CloudEvent type)").exception();
      }
      headers.putIfAbsent("ce-specversion", "1.0");
      headers.putIfAbsent("ce-id", UUID.randomUUID().toString());
      if (!headers.containsKey("ce-source")) {
        headers.put("ce-source", PLACEHOLDER_SOURCE);
        sourceGiven = false;
      }
      headers.put("content-type", "application/json");
    }
    try {
      MessageReader reader = HttpMessageFactory.createReader(headers, body);
      CloudEvent event = reader.toEvent();
      return new IncomingEvent(event, sourceGiven);
    } catch (RuntimeException e) {
      // The SDK signals bad input with several exception types; none of them is our bug.
      throw Problem.of(400, "invalid_event", "not a valid CloudEvent: " + oneLine(rootMessage(e))).exception();
    }
  }

  private static String mediaType(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage();
  }

  /** The first line of a parser's message, without the location dump that follows it. */
  private static String oneLine(String message) {
    if (message == null) {
      return "unreadable";
    }
    int newline = message.indexOf('\n');
    String line = (newline < 0 ? message : message.substring(0, newline)).trim();
    return line.length() > 200 ? line.substring(0, 200) + "..." : line;
  }
}
