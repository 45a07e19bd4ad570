package network.notifi.sluice.jobs;

/**
 * How full one namespace is, for status pages.
 *
 * @param namespace the namespace
 * @param active slots in use (unexpired leases)
 * @param limit the namespace's slot limit
 * @param queued builds in its queue, including those being started
 */
public record NamespaceUsage(String namespace, int active, int limit, long queued) {}
