package network.notifi.sluice.api.http;

import java.util.Optional;
import network.notifi.sluice.api.identity.Caller;
import network.notifi.sluice.jobs.JobsConfig;

/**
 * The namespace a build start is for, and the check that its caller may use it. Namespaces are the
 * operator's ({@code jobs.namespaces} and the keys of {@code jobs.namespace_limits}): a request cannot
 * create one, so everything kept per namespace (slots, queues, index sets, watches) stays bounded by
 * configuration.
 */
final class BuildNamespaces {

  private final JobsConfig jobs;

  BuildNamespaces(JobsConfig jobs) {
    this.jobs = jobs;
  }

  /**
   * The namespace named, else the configured default; for an API key that may not use the default,
   * its own first namespace.
   *
   * @throws Problem.ProblemException 403 {@code namespace_forbidden} for a namespace the caller's key
   *     does not list (whether or not it exists, so a key learns nothing of other tenants), 400 {@code
   *     unknown_namespace} for one that is not configured
   */
  String resolve(Caller caller, Optional<String> named) {
    String namespace = named.orElseGet(() -> defaultFor(caller));
    if (!caller.mayUse(namespace)) {
      throw Problem.of(403, "namespace_forbidden", "this API key may not start builds in namespace " + namespace)
          .exception();
    }
    if (!jobs.isConfigured(namespace)) {
      throw Problem.of(400, "unknown_namespace", "namespace " + namespace
          + " is not configured; namespaces are set by the operator (jobs.namespaces)").exception();
    }
    return namespace;
  }

  private String defaultFor(Caller caller) {
    if (caller instanceof Caller.KeyHolder holder && !caller.mayUse(jobs.defaultNamespace())) {
      return holder.key().namespaces().iterator().next();
    }
    return jobs.defaultNamespace();
  }
}
