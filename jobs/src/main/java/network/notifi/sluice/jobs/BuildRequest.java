package network.notifi.sluice.jobs;

import java.util.Objects;
import java.util.Optional;

/**
 * A request to start a build. Validated on construction.
 *
 * @param parserId the parser to build, a DNS-1123 label
 * @param namespace the namespace to build in, a DNS-1123 label; empty for the configured default
 * @param thirdParty who asked, if known; builds are queued fairly across third parties
 * @throws IllegalArgumentException naming the field and the rule it breaks
 */
public record BuildRequest(String parserId, Optional<String> namespace, Optional<String> thirdParty) {

  public BuildRequest {
    Names.requireDns1123Label("parser_id", parserId);
    Objects.requireNonNull(namespace, "namespace");
    Objects.requireNonNull(thirdParty, "thirdParty");
    namespace.ifPresent(ns -> Names.requireDns1123Label("namespace", ns));
    thirdParty.ifPresent(tp -> Names.requireThirdPartyId("third_party", tp));
  }

  /** A request in the default namespace from no particular third party. */
  public static BuildRequest of(String parserId) {
    return new BuildRequest(parserId, Optional.empty(), Optional.empty());
  }

  /** A request from nullable parts, as they come off the wire. */
  public static BuildRequest of(String parserId, String namespaceOrNull, String thirdPartyOrNull) {
    return new BuildRequest(
        parserId, Optional.ofNullable(namespaceOrNull), Optional.ofNullable(thirdPartyOrNull));
  }

  public BuildRequest inNamespace(String namespace) {
    return new BuildRequest(parserId, Optional.of(namespace), thirdParty);
  }

  public BuildRequest fromThirdParty(String thirdParty) {
    return new BuildRequest(parserId, namespace, Optional.of(thirdParty));
  }
}
