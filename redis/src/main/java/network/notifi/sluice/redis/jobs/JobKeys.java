package network.notifi.sluice.redis.jobs;

/**
 * The key layout of the jobs stores. Every key a script touches carries the one hash tag {@code
 * {jobs}}, so one script can see the leases of every namespace (the caps across namespaces count
 * them) on a cluster too; a namespace's keys follow {@code {jobs}:ns:<namespace>:}, the caps' keys
 * {@code {jobs}:caps:}, the build-id pointer {@code {jobs}:build-ns:} (written by the admission
 * script). Only the namespace index lives elsewhere and is never touched by a script.
 */
final class JobKeys {

  private final String prefix;

  JobKeys(String prefix) {
    this.prefix = prefix + "jobs:";
  }

  private String ns(String namespace) {
    return prefix + "{jobs}:ns:" + namespace + ":";
  }

  /** Sorted set: build id -> lease deadline (epoch ms) of every lease of every namespace. */
  String allLeases() {
    return prefix + "{jobs}:caps:leases";
  }

  /** Hash: build id -> third-party line ({@code ""} for none) of every live lease. */
  String leaseLines() {
    return prefix + "{jobs}:caps:lines";
  }

  /** Prefix of the per-line sorted sets build id -> lease deadline (epoch ms); the line follows. */
  String lineLeasesPrefix() {
    return prefix + "{jobs}:caps:line:";
  }

  /** Sorted set: build id -> lease deadline (epoch ms). */
  String slots(String namespace) {
    return ns(namespace) + "slots";
  }

  /** Hash: build id -> deadline of a lease dropped as expired and not yet reaped. */
  String expiredSlots(String namespace) {
    return ns(namespace) + "slots:expired";
  }

  /** Stream of queued builds, consumer group {@code dispatchers}. */
  String queue(String namespace) {
    return ns(namespace) + "queue";
  }

  /** Hash: build id -> stream entry id, for every queued build until acknowledged. */
  String queueIds(String namespace) {
    return ns(namespace) + "queue:ids";
  }

  /** List: the third-party lines that hold waiting entries, the one to serve next first. */
  String queueRing(String namespace) {
    return ns(namespace) + "queue:ring";
  }

  /** Sorted set: stream entry id -> claim time (epoch ms) of claimed entries. */
  String queueClaims(String namespace) {
    return ns(namespace) + "queue:claims";
  }

  /** Prefix of the per-line lists of waiting stream entry ids; the line name follows. */
  String queueLinePrefix(String namespace) {
    return ns(namespace) + "queue:line:";
  }

  /** List: the waiting stream entry ids of one third-party line ({@code ""} for none), oldest first. */
  String queueLine(String namespace, String line) {
    return queueLinePrefix(namespace) + line;
  }

  /** String with TTL: when the parser's backoff window closes (epoch ms). */
  String backoff(String namespace, String parserId) {
    return ns(namespace) + "backoff:" + parserId;
  }

  /** String with TTL: consecutive failures of the parser and when the count is forgotten. */
  String failures(String namespace, String parserId) {
    return ns(namespace) + "failures:" + parserId;
  }

  /** Hash with TTL: the build's record. */
  String build(String namespace, String buildId) {
    return buildPrefix(namespace) + buildId;
  }

  /** The prefix of the namespace's record keys; the build id follows. */
  String buildPrefix(String namespace) {
    return ns(namespace) + "build:";
  }

  /** String with TTL: the active (queued or running) build of the parser. */
  String active(String namespace, String parserId) {
    return ns(namespace) + "active:" + parserId;
  }

  /** String with TTL: the namespace of a build, so that a record can be found by id alone. */
  String buildNamespace(String buildId) {
    return prefix + "{jobs}:build-ns:" + buildId;
  }

  /** Set of the namespaces that ever held a lease. */
  String slotNamespaces() {
    return prefix + "namespaces:slots";
  }
}
