package network.notifi.sluice.api.http;

import static net.logstash.logback.argument.StructuredArguments.kv;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One structured log line per refusal, on the logger {@code sluice.rejections}: reason, level,
 * endpoint, third party, remote address. With the JSON encoder each becomes a field of its own.
 */
final class RejectionLog {

  private static final Logger LOG = LoggerFactory.getLogger("sluice.rejections");

  private RejectionLog() {}

  static void refused(int status, String reason, String level, String endpoint, String thirdParty, String remote, String detail) {
    LOG.info(
        "request refused: {}",
        detail,
        kv("status", status),
        kv("reason", reason),
        kv("limit_level", level),
        kv("endpoint", endpoint),
        kv("third_party", thirdParty),
        kv("remote_addr", remote));
  }

  static void shadowRefusal(String level, String endpoint, String thirdParty, String remote) {
    LOG.info(
        "shadow-mode level would have refused",
        kv("reason", level),
        kv("limit_level", level),
        kv("shadow", true),
        kv("endpoint", endpoint),
        kv("third_party", thirdParty),
        kv("remote_addr", remote));
  }
}
