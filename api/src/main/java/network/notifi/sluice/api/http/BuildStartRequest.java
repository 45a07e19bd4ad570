package network.notifi.sluice.api.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.cloudevents.CloudEvent;
import java.io.IOException;
import java.util.Optional;
import network.notifi.sluice.jobs.Names;

/**
 * The data of a {@code build.start} event: {@code {"parser_id": "...", "namespace": "..."}}, the
 * namespace optional.
 *
 * @param parserId a DNS-1123 label
 * @param namespace a DNS-1123 label, or empty for the configured default
 * @param thirdParty who asked, if known
 * @param eventId the CloudEvent id
 */
public record BuildStartRequest(String parserId, Optional<String> namespace, Optional<String> thirdParty, String eventId) {

  private static final ObjectMapper JSON = new ObjectMapper();

  /**
   * Reads and validates the event's data.
   *
   * @throws Problem.ProblemException 400 with reason {@code invalid_event}, {@code invalid_parser_id}
   *     or {@code invalid_namespace}
   */
  static BuildStartRequest from(CloudEvent event, Optional<String> thirdParty) {
    if (event.getData() == null) {
      throw Problem.of(400, "invalid_parser_id", "build.start needs data {\"parser_id\": ...}").exception();
    }
    JsonNode data;
    try {
      data = JSON.readTree(event.getData().toBytes());
    } catch (IOException e) {
      throw Problem.of(400, "invalid_event", "event data is not valid JSON").exception();
    }
    if (data == null || !data.isObject()) {
      throw Problem.of(400, "invalid_event", "event data must be a JSON object").exception();
    }
    String parserId = label(data, "parser_id", "invalid_parser_id")
        .orElseThrow(() -> Problem.of(400, "invalid_parser_id", "data.parser_id is required").exception());
    Optional<String> namespace = label(data, "namespace", "invalid_namespace");
    return new BuildStartRequest(parserId, namespace, thirdParty, event.getId());
  }

  /** This request for {@code resolved}, the namespace it was found to be for. */
  BuildStartRequest withNamespace(String resolved) {
    return new BuildStartRequest(parserId, Optional.of(resolved), thirdParty, eventId);
  }

  private static Optional<String> label(JsonNode data, String field, String reason) {
    JsonNode node = data.get(field);
    if (node == null || node.isNull()) {
      return Optional.empty();
    }
    if (!node.isTextual()) {
      throw Problem.of(400, reason, "data." + field + " must be a string").exception();
    }
    String value = node.textValue();
    if (!Names.isDns1123Label(value)) {
      throw Problem.of(
              400,
              reason,
              "data." + field + " must be a DNS-1123 label: at most 63 characters of a-z, 0-9 and '-',"
                  + " starting and ending with a letter or digit")
          .exception();
    }
    return Optional.of(value);
  }
}
